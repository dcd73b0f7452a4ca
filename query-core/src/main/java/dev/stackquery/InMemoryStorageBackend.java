package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An L2 in the same JVM, for tests and for trying the L2 paths without infrastructure. Entries expire after their
 * TTL by the given clock (checked on read). Thread-safe; every operation completes at once.
 */
public final class InMemoryStorageBackend implements StorageBackend {

    private record Stored(StorageEntry entry, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<String, Stored> entries = new ConcurrentHashMap<>();
    private final Clock clock;

    /** A backend timing TTLs by the system clock. */
    public InMemoryStorageBackend() {
        this(Clock.systemUTC());
    }

    /** A backend timing TTLs by {@code clock}. */
    public InMemoryStorageBackend(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
        String id = key.canonical();
        Stored stored = entries.get(id);
        if (stored != null && stored.expiresAtMillis <= clock.millis()) {
            entries.remove(id, stored);
            stored = null;
        }
        return CompletableFuture.completedFuture(stored == null ? Optional.empty() : Optional.of(stored.entry));
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        Objects.requireNonNull(entry, "entry");
        long expires = Durations.addSaturated(clock.millis(), Durations.toMillisSaturated(ttl));
        entries.put(key.canonical(), new Stored(entry, expires));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        entries.remove(key.canonical());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        String exact = prefix.canonical();
        String below = prefix.canonicalChildPrefix();
        entries.keySet().removeIf(id -> id.equals(exact) || id.startsWith(below));
        return CompletableFuture.completedFuture(null);
    }

    /** Number of entries held, expired ones included until they are read. */
    public int size() {
        return entries.size();
    }

    @Override
    public String name() {
        return "memory";
    }

    /** Does nothing: there is nothing to release, and the entries stay readable by other clients sharing it. */
    @Override
    public void close() {
    }
}
