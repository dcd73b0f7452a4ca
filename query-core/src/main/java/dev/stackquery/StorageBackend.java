package dev.stackquery;

import java.time.Duration;
import java.util.Objects;
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
 *
 * <h2>Generations: no delete is undone by a late write</h2>
 * A backend shared by several instances should track <em>generations</em>: a key's generation is a token that changes
 * whenever the key is deleted, by {@link #delete} or by a {@link #deleteByPrefix} of any of its prefixes. Before an
 * instance reads data from its source, it reads the key's generation; the entry it writes afterwards carries that
 * generation ({@link StorageEntry#generation()}), and {@link #get}/{@link #lookup} return an entry only while its
 * generation is still the key's. A write of data read before a delete therefore never shows after that delete,
 * whenever it lands, and a delete may be a constant-time generation change rather than a walk over the matching
 * entries. A backend that tracks generations never reports the empty token: the empty token means "unknown", the
 * answer of a backend that tracks none (the defaults below), which removes entries on delete, so that a late write can
 * outlive the delete. An entry with the empty generation put into a backend that tracks generations (written by
 * a client or a wrapper that does not know them) counts as written under the key's generation when it lands.
 *
 * <p>A wrapper around a backend (for metrics, say) should delegate {@link #lookup} and {@link #generation} too;
 * one that does not falls back to the behaviour of a backend without generations.
 */
public interface StorageBackend extends AutoCloseable {

    /**
     * What {@link #lookup} found.
     *
     * @param entry the key's entry, if there is one of the key's current generation that has not expired
     * @param generation the key's current generation
     */
    record Lookup(Optional<StorageEntry> entry, String generation) {

        /** Checks the fields. */
        public Lookup {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(generation, "generation");
        }
    }

    /**
     * The entry stored under {@code key}, if there is one that has not expired and, for a backend that tracks
     * generations, whose generation is the key's current one.
     */
    CompletableFuture<Optional<StorageEntry>> get(QueryKey key);

    /**
     * The key's entry (as {@link #get}) and its current generation, read together: in one round trip where the store
     * allows. The default reads the entry and reports the empty generation.
     */
    default CompletableFuture<Lookup> lookup(QueryKey key) {
        return get(key).thenApply(entry -> new Lookup(entry, ""));
    }

    /**
     * The key's current generation: a token that changes whenever the key is deleted, alone or under a prefix, and
     * that is compared for equality only; never empty for a backend that tracks generations. The default is the empty
     * token ("unknown") of a backend that tracks none.
     */
    default CompletableFuture<String> generation(QueryKey key) {
        return CompletableFuture.completedFuture("");
    }

    /**
     * Stores {@code entry} under {@code key}, replacing any other, for at most {@code ttl}. A backend that tracks
     * generations may store an entry of an older generation, but never returns it.
     */
    CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl);

    /**
     * Deletes the entry under {@code key}, if any; a backend that tracks generations changes the key's generation,
     * so that no entry written under an older one is returned afterwards.
     */
    CompletableFuture<Void> delete(QueryKey key);

    /**
     * Deletes the entry under {@code prefix} and every entry whose key starts with it whole part by whole part
     * ({@code ["user"]} deletes {@code ["user",1]}, never {@code ["users"]}); the empty key deletes everything this
     * backend owns. A backend that tracks generations may do so by changing the prefix's generation, at a cost that
     * does not grow with the number of entries; the entries left behind are never returned and expire by their TTL.
     */
    CompletableFuture<Void> deleteByPrefix(QueryKey prefix);

    /**
     * Checks that the store answers, for health reporting: completes with {@code false} (never exceptionally) when
     * it does not. The default answers {@code true}, for stores that cannot be down.
     */
    default CompletableFuture<Boolean> ping() {
        return CompletableFuture.completedFuture(true);
    }

    /**
     * The time within which this backend completes the future of every call itself, failing it when the store is
     * slower, if it bounds its calls; empty (the default) if it does not. It must not change during the backend's
     * life. The client keeps a timer of its own only for the calls that its own time limits bound more tightly, so a
     * backend that already times its calls out (as a network client does) spares every call a second timer.
     */
    default Optional<Duration> callTimeout() {
        return Optional.empty();
    }

    /** Short name for health details and logs, e.g. {@code "redis"}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases connections and threads. The client calls it from its own {@code close()}. */
    @Override
    void close();
}
