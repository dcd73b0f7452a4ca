package dev.stackquery;

import java.lang.System.Logger.Level;
import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.stackquery.QueryCacheEvent.StorageOperation;

import org.jspecify.annotations.Nullable;

/**
 * The client's side of L2: bounds every backend call by a timeout, turns failures and unreadable entries into
 * misses and events, and after a failure leaves reads and writes alone for a growing pause (1 s doubling to 30 s) so
 * that a down backend costs one timeout per pause rather than one per query. Deletes are always attempted: skipping
 * one could later serve data that was invalidated.
 *
 * <p>The failure counters are guarded by this object's monitor; reads of {@link #pausedUntil} are racy on purpose.
 */
final class StorageLayer {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");
    private static final long MAX_PAUSE_MILLIS = 30_000;
    private static final int PREFIX_TIMEOUT_FACTOR = 20;

    record Hit<T>(T value, Instant dataUpdatedAt) {
    }

    private final StorageBackend backend;
    private final QueryCodec codec;
    private final Clock clock;
    private final Deadlines deadlines;
    /** Prefix deletes walk many keys (SCAN + UNLINK on Redis): they get a longer bound than single-key calls. */
    private final Deadlines prefixDeadlines;
    private final CacheEvents events;
    private final Duration timeout;
    private final Duration ttl;
    private final int maxValueBytes;

    private volatile long pausedUntil = Long.MIN_VALUE;
    private volatile int consecutiveFailures;
    private volatile @Nullable Throwable lastError;
    private volatile boolean corruptLogged;

    StorageLayer(StorageBackend backend, QueryCodec codec, Clock clock, QueryScheduler scheduler, CacheEvents events,
            Duration timeout, Duration ttl, int maxValueBytes) {
        this.backend = backend;
        this.codec = codec;
        this.clock = clock;
        this.deadlines = new Deadlines(clock, scheduler, timeout);
        this.prefixDeadlines = new Deadlines(clock, scheduler, timeout.multipliedBy(PREFIX_TIMEOUT_FACTOR));
        this.events = events;
        this.timeout = timeout;
        this.ttl = ttl;
        this.maxValueBytes = maxValueBytes;
    }

    StorageBackend backend() {
        return backend;
    }

    /** Whether the last L2 call succeeded (or none failed yet). */
    synchronized boolean isHealthy() {
        return consecutiveFailures == 0;
    }

    @Nullable Throwable lastError() {
        return lastError;
    }

    /** Reads and decodes the entry of {@code key}; every failure is reported and becomes an empty result. */
    <T> CompletableFuture<Optional<Hit<T>>> read(QueryKey key, TypeRef<T> type) {
        if (isPaused()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return bounded(() -> backend.get(key), StorageOperation.GET, key).handle((found, error) -> {
            if (error != null) {
                if (unwrap(error) instanceof CorruptStorageEntryException corrupt) {
                    succeeded();
                    unreadable(key, type, corrupt);
                } else {
                    failed(key, StorageOperation.GET, error);
                }
                return Optional.empty();
            }
            succeeded();
            if (found == null || found.isEmpty()) {
                return Optional.empty();
            }
            StorageEntry entry = found.get();
            try {
                return Optional.of(new Hit<>(codec.decode(entry.value(), type), entry.dataUpdatedAt()));
            } catch (RuntimeException corrupt) {
                unreadable(key, type, corrupt);
                return Optional.empty();
            }
        });
    }

    /**
     * Encodes and stores {@code value}; failures are reported. The future completes (never exceptionally) when the
     * write is done, skipped or failed.
     */
    CompletableFuture<Void> write(QueryKey key, Object value, @Nullable TypeRef<?> declared, Instant dataUpdatedAt) {
        if (isPaused()) {
            return CompletableFuture.completedFuture(null);
        }
        TypeRef<?> type = declared != null ? declared : TypeRef.of((Type) value.getClass());
        byte[] bytes;
        try {
            bytes = codec.encode(value, type);
        } catch (RuntimeException e) {
            events.fire(new QueryCacheEvent.StorageError(key, StorageOperation.ENCODE, e));
            LOG.log(Level.DEBUG, () -> "query " + key + " could not be encoded as " + type + "; kept in L1 only", e);
            return CompletableFuture.completedFuture(null);
        }
        if (bytes.length > maxValueBytes) {
            events.fire(new QueryCacheEvent.StorageSkipped(key, bytes.length, maxValueBytes));
            return CompletableFuture.completedFuture(null);
        }
        StorageEntry entry = new StorageEntry(bytes, dataUpdatedAt);
        return settle(bounded(() -> backend.put(key, entry, ttl), StorageOperation.PUT, key), key,
                StorageOperation.PUT);
    }

    CompletableFuture<Void> delete(QueryKey key) {
        return settle(bounded(() -> backend.delete(key), StorageOperation.DELETE, key), key,
                StorageOperation.DELETE);
    }

    CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        return settle(bounded(() -> backend.deleteByPrefix(prefix), StorageOperation.DELETE_BY_PREFIX, prefix),
                prefix, StorageOperation.DELETE_BY_PREFIX);
    }

    void close() {
        try {
            backend.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing L2 backend " + backend.name() + " failed", e);
        }
    }

    private CompletableFuture<Void> settle(CompletableFuture<Void> call, QueryKey key, StorageOperation op) {
        return call.handle((ok, error) -> {
            if (error != null) {
                failed(key, op, error);
            } else {
                succeeded();
            }
            return null;
        });
    }

    private <X> CompletableFuture<X> bounded(Supplier<CompletableFuture<X>> call, StorageOperation op,
            QueryKey key) {
        CompletableFuture<X> source;
        try {
            source = Objects.requireNonNull(call.get(), () -> backend.name() + " returned no future for " + op);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (source.isDone()) {
            return source;
        }
        CompletableFuture<X> bounded = new CompletableFuture<>();
        boolean prefix = op == StorageOperation.DELETE_BY_PREFIX;
        (prefix ? prefixDeadlines : deadlines).watch(bounded, () -> new TimeoutException("L2 " + backend.name() + " "
                + op + " of " + key + " took longer than " + (prefix ? timeout.multipliedBy(PREFIX_TIMEOUT_FACTOR)
                        : timeout)));
        source.whenComplete((value, error) -> {
            if (error != null) {
                bounded.completeExceptionally(error);
            } else {
                bounded.complete(value);
            }
        });
        return bounded;
    }

    private boolean isPaused() {
        return pausedUntil > clock.millis();
    }

    private void failed(QueryKey key, StorageOperation op, Throwable error) {
        Throwable cause = unwrap(error);
        lastError = cause;
        long pause;
        boolean first;
        synchronized (this) {
            consecutiveFailures++;
            first = consecutiveFailures == 1;
            pause = Math.min(MAX_PAUSE_MILLIS, 1000L << Math.min(consecutiveFailures - 1, 5));
            pausedUntil = clock.millis() + pause;
        }
        events.fire(new QueryCacheEvent.StorageError(key, op, cause));
        if (first) {
            LOG.log(Level.WARNING, "L2 " + backend.name() + " " + op + " failed for " + key + ": " + cause
                    + "; queries go on with L1 and their sources, L2 is tried again in " + pause + " ms");
        } else {
            LOG.log(Level.DEBUG, () -> "L2 " + backend.name() + " " + op + " failed for " + key, cause);
        }
    }

    private void succeeded() {
        if (consecutiveFailures == 0) {
            return; // racy fast path: the usual case needs no lock
        }
        synchronized (this) {
            if (consecutiveFailures > 0) {
                consecutiveFailures = 0;
                pausedUntil = Long.MIN_VALUE;
                LOG.log(Level.INFO, "L2 " + backend.name() + " answers again");
            }
        }
    }

    private void unreadable(QueryKey key, TypeRef<?> type, RuntimeException error) {
        events.fire(new QueryCacheEvent.StorageError(key, StorageOperation.DECODE, error));
        if (!corruptLogged) {
            corruptLogged = true;
            LOG.log(Level.WARNING, "L2 entry of " + key + " is not a readable " + type + " (" + error
                    + "); it is deleted and treated as a miss (further cases are logged at DEBUG)");
        } else {
            LOG.log(Level.DEBUG, () -> "unreadable L2 entry of " + key + " deleted", error);
        }
        delete(key);
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
