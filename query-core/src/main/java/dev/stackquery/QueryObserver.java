package dev.stackquery;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Watches one query with one set of options, for code that wants to be told of every change rather than ask.
 * Made by {@link QueryClient#watch(QueryOptions)}.
 *
 * <p>The first subscriber attaches the observer to its query, which makes the query active: it is never garbage
 * collected or evicted, {@code invalidateQueries} refetches it, and it is refetched every {@code refetchInterval}
 * (the shortest among its enabled observers). When enabled, the first subscriber also starts a fetch if the data is
 * missing or stale for this observer. When the last subscriber leaves, the observer detaches and the query's
 * {@code gcTime} starts counting.
 *
 * <p>Listeners are called synchronously, in order, once per change of the query's state (fetch started, success,
 * error, invalidated, set, reset, removed), with an immutable {@link QueryResult}; they run while the query is
 * updated, so they must be quick and must not wait for other threads. A listener that throws is isolated and
 * reported as a {@link QueryCacheEvent.ListenerFailed} event. Thread-safe.
 *
 * @param <T> type of the data after {@code select}
 */
public interface QueryObserver<T> {

    /** The observed key. */
    QueryKey key();

    /**
     * Adds a listener and hands it the current result at once, before this method returns.
     *
     * @return the registration; unsubscribing the last one detaches the observer
     */
    Subscription subscribe(Consumer<QueryResult<T>> listener);

    /** The result as of now. */
    QueryResult<T> getCurrentResult();

    /** Fetches now from the source (even when disabled) and completes with the data after {@code select}. */
    CompletableFuture<T> refetch();

    /**
     * Turns automatic fetching on or off. Turning it on while subscribed fetches when the data is missing or stale;
     * turning it off stops this observer's polling.
     */
    void setEnabled(boolean enabled);

    /** Whether automatic fetching is on. */
    boolean isEnabled();

    /** Number of listeners subscribed. */
    int subscriberCount();
}
