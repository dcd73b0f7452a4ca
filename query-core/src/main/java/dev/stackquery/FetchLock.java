package dev.stackquery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Cluster-wide single flight: before an instance calls a query function because L2 had nothing usable, it asks for
 * the key's lock. The holder fetches and writes L2; the others watch L2 for its result up to the lease, then fetch
 * themselves. A crashed holder therefore delays others by at most the lease, never more.
 *
 * <p>Implementations must be thread-safe; a failed future counts as "not acquired, and nobody else is known to
 * hold it", after which the instance fetches on its own.
 */
public interface FetchLock {

    /** A held lock. */
    interface Lease {
        /** Releases the lock if this lease still holds it; harmless after expiry. */
        CompletableFuture<Void> release();
    }

    /**
     * Tries to take the lock of {@code key} for at most {@code lease}.
     *
     * @return the lease, or empty when another instance holds the lock
     */
    CompletableFuture<Optional<Lease>> tryAcquire(QueryKey key, Duration lease);
}
