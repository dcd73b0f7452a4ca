package dev.stackquery;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

import dev.stackquery.QueryCacheEvent.Origin;

import org.jspecify.annotations.Nullable;

/**
 * How instances that share an L2 stay coherent: the rules, the messages between instances, and what a lost bus
 * connection costs. The rules, each applied where the data passes:
 * <ol>
 * <li><b>A fetch that started before a change brings back stale data.</b> Every query has a generation that moves on
 * whenever its data is superseded: invalidated here or by another instance, reset, removed, set, or put in doubt by a
 * reconnect of the bus ({@link Query#generation()}). A fetch remembers the generation it started in; if it moved on
 * by the time the data arrives, the data is stored as invalidated, is not written to L2, and observed queries and
 * {@code fetchFreshQuery} callers that came after the change get a new fetch ({@link InFlightFetch}).</li>
 * <li><b>An L2 entry is only as new as the L2 generation it was read under.</b> Before reading the source, a fetch
 * reads the key's L2 generation; its entry carries it, and the L2 returns an entry only while that generation is
 * still the key's. A delete (an invalidation, reset or removal, of the key or of a prefix) moves the generation on, so
 * a write that lands after it, however late, is never served. No clock is compared across hosts
 * ({@link StorageBackend}).</li>
 * <li><b>An L2 entry read while the query changed is not installed.</b> A read that raced an invalidation may have
 * seen the entry just before its delete; it is installed only if the query's generation did not move while it ran
 * ({@link #install}).</li>
 * <li><b>A disconnected bus bounds how old trusted L1 data may be.</b> While the bus is disconnected, L1 data older
 * than {@code maxStalenessWhileDisconnected} is stale for every caller ({@link #staleCapMillis()}); once it is back,
 * everything L1 holds is stale, as messages may have been missed, and L2 is tried again at once (it is usually on
 * the same server) rather than after the rest of its pause.</li>
 * </ol>
 * An instance tells the others what it did only after its L2 delete or write completed, so that whoever hears of a
 * change and reads L2 finds the change there.
 *
 * <p>Concurrency: the bus calls in on its own threads; the client's operations it calls are thread-safe, and
 * {@link #staleCap} is a volatile read on every cache hit.
 */
final class Coherence {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");

    private final DefaultQueryClient client;
    private final @Nullable InvalidationBus bus;
    private final String instanceId;
    private final long maxStalenessMillis;
    private final @Nullable Subscription subscription;
    /** The longest staleTime any caller gets now: unbounded while the bus is connected (or there is none). */
    private volatile long staleCap = Long.MAX_VALUE;
    /** Whether the bus reported a disconnect or reconnect; then its word counts, not the check at start. */
    private boolean heardFromBus;

    Coherence(DefaultQueryClient client, @Nullable InvalidationBus bus, String instanceId,
            Duration maxStalenessWhileDisconnected) {
        this.client = client;
        this.bus = bus;
        this.instanceId = instanceId;
        this.maxStalenessMillis = Durations.toMillisSaturated(maxStalenessWhileDisconnected);
        this.subscription = bus == null ? null : bus.subscribe(instanceId, new InvalidationBus.Handler() {
            @Override
            public void onMessage(InvalidationMessage message) {
                received(message);
            }

            @Override
            public void onReconnect() {
                reconnected();
            }

            @Override
            public void onDisconnect() {
                disconnected();
            }
        });
        synchronized (this) {
            if (bus != null && !heardFromBus && !bus.isConnected()) {
                disconnected();
            }
        }
    }

    String instanceId() {
        return instanceId;
    }

    /** The longest staleTime that counts now: {@code maxStalenessWhileDisconnected} while the bus is away. */
    long staleCapMillis() {
        return staleCap;
    }

    /**
     * Installs data read from L2 while the query was in {@code generationAtRead}, if it may replace what the query
     * holds now: only if the query did not change while the read ran, and the entry is newer than the query's data or
     * the query's data is invalidated (then L2, which every instance writes in one order, has the newer word, whatever
     * the hosts' clocks say).
     *
     * @return whether it was installed
     */
    <T> boolean install(Query<T> query, StorageLayer.Hit<T> hit, long generationAtRead) {
        long updated = hit.dataUpdatedAt().toEpochMilli();
        synchronized (query) {
            QueryState<T> state = query.state;
            boolean newer = updated > state.dataUpdatedAtMillis() || state.invalidated() || !state.hasData();
            if (query.removed || query.generation() != generationAtRead || !newer) {
                return false;
            }
            client.setState(query, QueryState.success(hit.value(), updated).withFetchStatus(state.fetchStatus()));
            client.touchGc(query);
            return true;
        }
    }

    /** Tells the other instances what this one did; {@code matched} serves filters only L1 can evaluate. */
    void publish(InvalidationMessage.Action action, QueryFilter filter, List<Query<?>> matched) {
        InvalidationBus target = bus;
        if (target == null) {
            return;
        }
        try {
            if (filter instanceof QueryFilter.Prefix prefix) {
                target.publish(new InvalidationMessage(instanceId, action, InvalidationMessage.Scope.PREFIX,
                        prefix.key().canonical()));
            } else if (filter instanceof QueryFilter.Partial partial) {
                target.publish(new InvalidationMessage(instanceId, action, InvalidationMessage.Scope.PARTIAL,
                        partial.pattern().canonical()));
            } else if (filter instanceof QueryFilter.Exact exact) {
                target.publish(new InvalidationMessage(instanceId, action, InvalidationMessage.Scope.EXACT,
                        exact.key().canonical()));
            } else if (filter instanceof QueryFilter.All) {
                target.publish(new InvalidationMessage(instanceId, action, InvalidationMessage.Scope.ALL, "[]"));
            } else {
                for (Query<?> query : matched) {
                    target.publish(new InvalidationMessage(instanceId, action, InvalidationMessage.Scope.EXACT,
                            query.key.canonical()));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "invalidation bus " + target.name() + " failed to publish " + action
                    + "; other instances learn of it when their data goes stale", e);
        }
    }

    /** Applies another instance's message to L1 only: the sender already changed L2. */
    private void received(InvalidationMessage message) {
        if (client.isClosed()) {
            return;
        }
        QueryFilter filter;
        try {
            filter = message.filter();
        } catch (IllegalArgumentException malformed) {
            LOG.log(Level.WARNING, "ignored a malformed invalidation message " + message + ": " + malformed);
            return;
        }
        apply(message.action(), filter);
    }

    /** Applies a change another instance made (or a reconnect) to L1 only: the sender already changed L2. */
    private void apply(InvalidationMessage.Action action, QueryFilter filter) {
        List<Query<?>> matched = client.matching(filter);
        switch (action) {
            case INVALIDATE -> client.invalidateLocally(matched, Origin.REMOTE, DefaultQueryClient.INVALIDATE_DEFAULT);
            case REMOVE -> client.removeLocally(matched);
            case RESET -> client.resetLocally(matched);
            case SET -> matched.forEach(this::reload);
        }
    }

    /**
     * After another instance set new data: marks L1 stale (a fetch running here read the source before the set) and
     * installs what L2 holds now, which is the set value or a newer one.
     */
    private <T> void reload(Query<T> query) {
        TypeRef<T> type;
        long generation;
        synchronized (query) {
            if (query.removed) {
                return;
            }
            query.supersede();
            client.setState(query, query.state.withInvalidated());
            type = query.type();
            generation = query.generation();
        }
        StorageLayer l2 = client.storage;
        if (l2 == null || type == null) {
            markedStale(query);
            return;
        }
        l2.read(query.key, type).thenAccept(found -> {
            if (found.isEmpty() || !install(query, found.get(), generation)) {
                markedStale(query);
            }
        });
    }

    private void markedStale(Query<?> query) {
        client.events.fire(new QueryCacheEvent.Invalidated(query.key, Origin.REMOTE));
        client.refetchIfActive(query);
    }

    /**
     * The bus lost messages while disconnected: whatever this instance holds may be stale. In this order: L2 first
     * (usually on the bus's server, so no need to wait out the rest of its pause; the refetches below then use it),
     * then all of L1 is invalidated, and only then is L1 trusted for its staleTime again.
     */
    private synchronized void reconnected() {
        heardFromBus = true;
        if (!client.isClosed()) {
            LOG.log(Level.INFO, "invalidation bus reconnected; all L1 data is marked stale");
            StorageLayer l2 = client.storage;
            if (l2 != null) {
                l2.resume();
            }
            apply(InvalidationMessage.Action.INVALIDATE, QueryFilter.all());
        }
        staleCap = Long.MAX_VALUE;
    }

    private synchronized void disconnected() {
        heardFromBus = true;
        if (staleCap != maxStalenessMillis) {
            staleCap = maxStalenessMillis;
            LOG.log(Level.WARNING, "invalidation bus disconnected; until it is back, L1 data older than "
                    + Duration.ofMillis(maxStalenessMillis) + " counts as stale");
        }
    }

    void close() {
        if (subscription != null) {
            subscription.unsubscribe();
        }
        if (bus != null) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing invalidation bus " + bus.name() + " failed", e);
            }
        }
    }
}
