package dev.stackquery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The L2: a store of {@link StorageEntry}s by query key, shared between clients (Redis) or kept across restarts
 * (JDBC).
 *
 * <p>Every method returns at once and reports its outcome through the future; an implementation must be
 * thread-safe. The client bounds every call by its storage timeout and treats failures (a failed future or a thrown
 * exception) as a miss or a skipped write: a broken backend never fails a query. Implementations key entries by
 * {@link QueryKey#canonical()}; {@link QueryKey#canonicalChildPrefix()} makes prefix deletion a string match.
 */
public interface StorageBackend extends AutoCloseable {

    /** The entry stored under {@code key}, if there is one that has not expired. */
    CompletableFuture<Optional<StorageEntry>> get(QueryKey key);

    /** Stores {@code entry} under {@code key}, replacing any other, for at most {@code ttl}. */
    CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl);

    /** Deletes the entry under {@code key}, if any. */
    CompletableFuture<Void> delete(QueryKey key);

    /**
     * Deletes the entry under {@code prefix} and every entry whose key starts with it whole part by whole part
     * ({@code ["user"]} deletes {@code ["user",1]}, never {@code ["users"]}); the empty key deletes everything this
     * backend owns.
     */
    CompletableFuture<Void> deleteByPrefix(QueryKey prefix);

    /**
     * Checks that the store answers, for health reporting: completes with {@code false} (never exceptionally) when
     * it does not. The default answers {@code true}, for stores that cannot be down.
     */
    default CompletableFuture<Boolean> ping() {
        return CompletableFuture.completedFuture(true);
    }

    /** Short name for health details and logs, e.g. {@code "redis"}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases connections and threads. The client calls it from its own {@code close()}. */
    @Override
    void close();
}
