package dev.stackquery;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The {@link QueryObserver}. Its listeners and its attachment are guarded by the monitor of the query it is
 * attached to (the same lock that orders the query's state changes), so a listener sees the current result first
 * and then every change, in order, with no change lost or repeated in between. While detached, the observer's own
 * monitor guards the attach itself.
 *
 * @param <T> type of the query's data
 * @param <R> type the observer shows, after {@code select}
 */
final class DefaultQueryObserver<T, R> implements QueryObserver<R> {

    private final DefaultQueryClient client;
    private final QueryOptions<T> options;
    private final Function<? super T, ? extends R> select;
    private final @Nullable Long refetchIntervalMillis;
    private volatile boolean enabled;

    // Written under both monitors, so holding either is enough to read it; volatile for lock-free reads.
    private volatile @Nullable Query<T> attached;
    // Guarded by the monitor of `attached`.
    private final List<Consumer<QueryResult<R>>> listeners = new ArrayList<>(2);
    // The select memo has its own lock: a detached observer computes results under whichever query it peeks at.
    private final Object selectLock = new Object();
    private @Nullable T lastInput;
    private @Nullable R lastSelected;

    DefaultQueryObserver(DefaultQueryClient client, QueryOptions<T> options, Function<? super T, ? extends R> select) {
        this.client = client;
        this.options = options;
        this.select = select;
        var interval = options.refetchIntervalOrNull();
        this.refetchIntervalMillis = interval == null ? null : Durations.toMillisSaturated(interval);
        this.enabled = options.enabled();
    }

    @Override
    public QueryKey key() {
        return options.key();
    }

    /** Interval at which this observer wants its query refetched; null when it does not poll now. */
    @Nullable Long pollMillis() {
        return enabled ? refetchIntervalMillis : null;
    }

    boolean wantsRefetchOnInvalidate() {
        return enabled;
    }

    /** Whether this observer's result for {@code state} is stale: never while disabled, as in TanStack Query. */
    boolean seesStale(QueryState<T> state, long now) {
        return enabled && state.isStaleAt(now, client.staleMillis(options));
    }

    @Override
    public Subscription subscribe(Consumer<QueryResult<R>> listener) {
        Objects.requireNonNull(listener, "listener");
        client.checkOpen();
        InFlightFetch<T> started = null;
        Query<T> query;
        synchronized (this) {
            while (true) {
                query = attached != null ? attached : client.acquire(options.key(), options);
                synchronized (query) {
                    if (query.removed) {
                        continue;
                    }
                    boolean first = attached == null;
                    if (first) {
                        attached = query;
                        client.attach(query, this, options);
                    }
                    listeners.add(listener);
                    deliver(listener, resultOf(query.state));
                    if (first && enabled) {
                        started = client.fetchIfStale(query, options, client.staleMillis(options));
                    }
                    break;
                }
            }
        }
        if (started != null) {
            started.start();
        }
        return new Subscription() {
            private boolean done;

            @Override
            public void unsubscribe() {
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    done = true;
                }
                remove(listener);
            }
        };
    }

    private void remove(Consumer<QueryResult<R>> listener) {
        synchronized (this) {
            Query<T> query = attached;
            if (query == null) {
                return;
            }
            synchronized (query) {
                // Remove by identity: the same lambda may be subscribed twice and leave once per subscription.
                for (int i = 0; i < listeners.size(); i++) {
                    if (listeners.get(i) == listener) {
                        listeners.remove(i);
                        break;
                    }
                }
                if (listeners.isEmpty()) {
                    attached = null;
                    client.detach(query, this);
                }
            }
        }
    }

    @Override
    public QueryResult<R> getCurrentResult() {
        Query<T> query = attached;
        if (query == null) {
            query = client.peek(options.key());
        }
        if (query == null) {
            return resultOf(QueryState.idle());
        }
        synchronized (query) {
            return resultOf(query.state);
        }
    }

    @Override
    public CompletableFuture<R> refetch() {
        client.checkOpen();
        return client.refetchOrJoin(options).thenApply(this::selectMemoized);
    }

    @Override
    public void setEnabled(boolean enabled) {
        InFlightFetch<T> started = null;
        synchronized (this) {
            if (this.enabled == enabled) {
                return;
            }
            this.enabled = enabled;
            Query<T> query = attached;
            if (query != null) {
                synchronized (query) {
                    client.updatePolling(query);
                    if (enabled) {
                        started = client.fetchIfStale(query, options, client.staleMillis(options));
                    }
                }
            }
        }
        if (started != null) {
            started.start();
        }
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public int subscriberCount() {
        Query<T> query = attached;
        if (query == null) {
            return 0;
        }
        synchronized (query) {
            return listeners.size();
        }
    }

    /** Tells every listener about the query's new state; the caller holds the query's monitor. */
    void stateChanged(QueryState<T> state) {
        if (listeners.isEmpty()) {
            return;
        }
        QueryResult<R> result = resultOf(state);
        for (Consumer<QueryResult<R>> listener : List.copyOf(listeners)) {
            deliver(listener, result);
        }
    }

    private void deliver(Consumer<QueryResult<R>> listener, QueryResult<R> result) {
        client.events.callback("observer listener", options.key(), listener, result);
    }

    private QueryResult<R> resultOf(QueryState<T> state) {
        T raw = state.data();
        boolean placeholder = false;
        QueryStatus status = state.status();
        if (raw == null) {
            T placeholderData = options.placeholderDataOrNull();
            if (placeholderData != null && (status == QueryStatus.PENDING || status == QueryStatus.IDLE)) {
                raw = placeholderData;
                placeholder = true;
                status = QueryStatus.SUCCESS;
            }
        }
        R shown = null;
        Throwable error = state.error();
        if (raw != null) {
            try {
                shown = selectMemoized(raw);
            } catch (RuntimeException e) {
                // As in TanStack Query: an error result that still shows the last data select made.
                status = QueryStatus.ERROR;
                error = e;
                synchronized (selectLock) {
                    shown = lastSelected;
                }
            }
        }
        boolean stale = seesStale(state, client.clock.millis());
        return new QueryResult<>(status, state.fetchStatus(), shown, error, stale, placeholder,
                placeholder ? null : state.dataUpdatedAt(), state.failureCount());
    }

    /** Runs {@code select} once per distinct input, so listeners of one change share one transformation. */
    private R selectMemoized(T raw) {
        synchronized (selectLock) {
            if (raw == lastInput && lastSelected != null) {
                return lastSelected;
            }
        }
        R selected = Objects.requireNonNull(select.apply(raw), "select returned null for query " + options.key());
        synchronized (selectLock) {
            lastInput = raw;
            lastSelected = selected;
        }
        return selected;
    }
}
