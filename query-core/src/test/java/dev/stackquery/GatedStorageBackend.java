package dev.stackquery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An {@link InMemoryStorageBackend} whose writes can be held back: while {@link #hold()} is on, each {@code put}
 * waits until {@link #releaseOne()} or {@link #releaseAll()} lets it land, so that a test decides when a write
 * reaches L2 relative to a delete. Counts the puts sent and the most that were waiting at once. Thread-safe.
 */
final class GatedStorageBackend implements StorageBackend {

    private record Held(QueryKey key, StorageEntry entry, Duration ttl, CompletableFuture<Void> done) {
    }

    final InMemoryStorageBackend store;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final AtomicInteger puts = new AtomicInteger();
    private boolean holding;
    private final ArrayDeque<Runnable> heldDeletes = new ArrayDeque<>();
    private boolean holdingDeletes;
    private int mostHeld;
    private RuntimeException failPuts;

    GatedStorageBackend(InMemoryStorageBackend store) {
        this.store = store;
    }

    synchronized void hold() {
        holding = true;
    }

    /** Holds back deletes (of keys and prefixes) until {@link #releaseDeletes()}, as a slow connection would. */
    synchronized void holdDeletes() {
        holdingDeletes = true;
    }

    void releaseDeletes() {
        List<Runnable> release;
        synchronized (this) {
            holdingDeletes = false;
            release = new ArrayList<>(heldDeletes);
            heldDeletes.clear();
        }
        release.forEach(Runnable::run);
    }

    private CompletableFuture<Void> deleteOrHold(Supplier<CompletableFuture<Void>> delete) {
        synchronized (this) {
            if (holdingDeletes) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                heldDeletes.add(() -> delete.get().whenComplete((ok, error) -> done.complete(null)));
                return done;
            }
        }
        return delete.get();
    }

    /** Makes every later put fail with {@code error} ({@code null}: succeed again). */
    synchronized void failPuts(RuntimeException error) {
        failPuts = error;
    }

    /** Lets the oldest held write land; returns whether there was one. */
    boolean releaseOne() {
        Held next;
        synchronized (this) {
            next = held.poll();
        }
        if (next == null) {
            return false;
        }
        store.put(next.key, next.entry, next.ttl).whenComplete((ok, error) -> next.done.complete(null));
        return true;
    }

    /** Stops holding and lets every held write land, oldest first. */
    void releaseAll() {
        synchronized (this) {
            holding = false;
        }
        while (releaseOne()) {
            // oldest first
        }
    }

    synchronized int held() {
        return held.size();
    }

    synchronized int mostHeld() {
        return mostHeld;
    }

    int puts() {
        return puts.get();
    }

    @Override
    public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
        return store.get(key);
    }

    @Override
    public CompletableFuture<Lookup> lookup(QueryKey key) {
        return store.lookup(key);
    }

    @Override
    public CompletableFuture<String> generation(QueryKey key) {
        return store.generation(key);
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        puts.incrementAndGet();
        synchronized (this) {
            if (failPuts != null) {
                return CompletableFuture.failedFuture(failPuts);
            }
            if (holding) {
                Held waiting = new Held(key, entry, ttl, new CompletableFuture<>());
                held.add(waiting);
                mostHeld = Math.max(mostHeld, held.size());
                return waiting.done;
            }
        }
        return store.put(key, entry, ttl);
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        return deleteOrHold(() -> store.delete(key));
    }

    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        return deleteOrHold(() -> store.deleteByPrefix(prefix));
    }

    @Override
    public void close() {
    }
}
