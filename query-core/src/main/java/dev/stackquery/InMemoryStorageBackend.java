package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An L2 in the same JVM, for tests and for trying the L2 paths without infrastructure. Entries expire after their
 * TTL by the given clock (checked on read). It tracks {@linkplain StorageBackend generations} as Redis does, from one
 * counter: a key's generation is the latest delete that touched it (of the key itself or of one of its prefixes), so
 * an entry written under an older one is never returned. Thread-safe; every operation completes at once.
 */
public final class InMemoryStorageBackend implements StorageBackend {

    private record Stored(StorageEntry entry, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<String, Stored> entries = new ConcurrentHashMap<>();
    /** Latest delete of each key, and of each prefix, as a value of {@link #deletes}. */
    private final ConcurrentHashMap<String, Long> keyDeleted = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> prefixDeleted = new ConcurrentHashMap<>();
    private final AtomicLong deletes = new AtomicLong();
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
        return CompletableFuture.completedFuture(current(key, generationOf(key)));
    }

    @Override
    public CompletableFuture<Lookup> lookup(QueryKey key) {
        String generation = generationOf(key);
        return CompletableFuture.completedFuture(new Lookup(current(key, generation), generation));
    }

    @Override
    public CompletableFuture<String> generation(QueryKey key) {
        return CompletableFuture.completedFuture(generationOf(key));
    }

    private Optional<StorageEntry> current(QueryKey key, String generation) {
        String id = key.canonical();
        Stored stored = entries.get(id);
        if (stored != null && stored.expiresAtMillis <= clock.millis()) {
            entries.remove(id, stored);
            stored = null;
        }
        return stored == null || !stored.entry.generation().equals(generation) ? Optional.empty()
                : Optional.of(stored.entry);
    }

    private String generationOf(QueryKey key) {
        long latest = keyDeleted.getOrDefault(key.canonical(), 0L);
        if (!prefixDeleted.isEmpty()) {
            List<Object> parts = key.parts();
            for (int i = 0; i <= parts.size(); i++) {
                latest = Math.max(latest, prefixDeleted.getOrDefault(
                        i == parts.size() ? key.canonical() : QueryKey.ofParts(parts.subList(0, i)).canonical(), 0L));
            }
        }
        return Long.toString(latest);
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        Objects.requireNonNull(entry, "entry");
        if (entry.generation().isEmpty()) {
            // Written by a client (or a wrapper) that does not track generations: as of now.
            entry = new StorageEntry(entry.value(), entry.dataUpdatedAt(), generationOf(key));
        }
        long expires = Durations.addSaturated(clock.millis(), Durations.toMillisSaturated(ttl));
        entries.put(key.canonical(), new Stored(entry, expires));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        keyDeleted.put(key.canonical(), deletes.incrementAndGet());
        entries.remove(key.canonical());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        String exact = prefix.canonical();
        String below = prefix.canonicalChildPrefix();
        prefixDeleted.put(exact, deletes.incrementAndGet());
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
