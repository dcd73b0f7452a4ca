package dev.stackquery;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One query bound to its client and options, as PyStackQuery's {@code @query} decorator returns: call {@link #get()}
 * wherever the data is needed and {@link #invalidate()} when it changed. Obtained from
 * {@link QueryClient#cachedQuery(QueryOptions)}; thread-safe, and cheap to keep for the life of the application
 * (keeping it is what makes its hits skip the map lookup).
 *
 * @param <T> the data's type
 */
public interface CachedQuery<T> {

    /** The data, as {@link QueryClient#fetchQuery(QueryOptions)} gives it: fresh, stale while revalidating, or fetched. */
    CompletableFuture<T> get();

    /** Marks the data stale (here, in L2, and on other instances through the bus); the next {@link #get()} refetches. */
    CompletableFuture<Void> invalidate();

    /** The cached data, if any, without fetching and whether fresh or stale. */
    Optional<T> getData();

    /** The options this handle fetches with. */
    QueryOptions<T> options();
}
