package dev.stackquery;

import java.time.Duration;
import java.util.Objects;

/**
 * Something that happened in a client's cache. Listeners receive these synchronously, on the thread that caused
 * them, so they must be quick; metrics, logs and the actuator are built on them.
 */
public sealed interface QueryCacheEvent {

    /** Key the event is about; the empty key for events about the whole cache. */
    QueryKey key();

    /** Which cache level a lookup or error concerns. */
    enum CacheLevel { L1, L2 }

    /** Outcome of a lookup. */
    enum LookupResult {
        /** Data present and fresh for the caller. */
        HIT,
        /** Data present but stale for the caller: served, and a refetch started. */
        STALE,
        /** No data at this level. */
        MISS
    }

    /** Where an invalidation came from. */
    enum Origin {
        /** This client's own call. */
        LOCAL,
        /** Another instance, through the invalidation bus. */
        REMOTE
    }

    /** Why a query left L1 on its own. */
    enum EvictionCause {
        /** L1 held more than {@code maxQueries}. */
        SIZE,
        /** The query stayed inactive for its {@code gcTime}. */
        GC
    }

    /** A storage operation, for {@link StorageError}. */
    enum StorageOperation { GET, PUT, DELETE, DELETE_BY_PREFIX, DECODE, ENCODE }

    /** A query was created in L1. */
    record Added(QueryKey key) implements QueryCacheEvent {
    }

    /** A query's state changed; {@code state} is the new one. */
    record Updated(QueryKey key, QueryState<?> state) implements QueryCacheEvent {
    }

    /** A caller looked the key up at {@code level}. */
    record Lookup(QueryKey key, CacheLevel level, LookupResult result) implements QueryCacheEvent {
    }

    /** A fetch started (its first attempt). */
    record FetchStarted(QueryKey key) implements QueryCacheEvent {
    }

    /** A fetch succeeded after {@code attempts} attempts, {@code duration} after it started. */
    record FetchSucceeded(QueryKey key, int attempts, Duration duration) implements QueryCacheEvent {
    }

    /** A fetch failed for good after {@code attempts} attempts. */
    record FetchFailed(QueryKey key, int attempts, Duration duration, Throwable error) implements QueryCacheEvent {
    }

    /** An attempt failed and another one follows after {@code delay}. */
    record FetchRetried(QueryKey key, int failedAttempt, Duration delay, Throwable error) implements QueryCacheEvent {
    }

    /** A fetch was cancelled before it settled. */
    record FetchCancelled(QueryKey key) implements QueryCacheEvent {
    }

    /** A caller joined a fetch already running instead of starting one. */
    record FetchDeduplicated(QueryKey key) implements QueryCacheEvent {
    }

    /** Data was marked stale. */
    record Invalidated(QueryKey key, Origin origin) implements QueryCacheEvent {
    }

    /** A query left L1 on its own. */
    record Evicted(QueryKey key, EvictionCause cause) implements QueryCacheEvent {
    }

    /** A query was removed by {@code removeQueries}, {@code clear} or another instance. */
    record Removed(QueryKey key) implements QueryCacheEvent {
    }

    /**
     * An L2 operation failed, timed out, or found an entry it could not read. The query went on without L2.
     */
    record StorageError(QueryKey key, StorageOperation operation, Throwable error) implements QueryCacheEvent {
    }

    /** A value was not written to L2 because its encoded form is larger than the client's limit. */
    record StorageSkipped(QueryKey key, int bytes, int limit) implements QueryCacheEvent {
    }

    /** A listener or callback threw; the cache went on. {@code source} says which. */
    record ListenerFailed(QueryKey key, String source, Throwable error) implements QueryCacheEvent {
        /** Checks the fields. */
        public ListenerFailed {
            Objects.requireNonNull(source, "source");
        }
    }
}
