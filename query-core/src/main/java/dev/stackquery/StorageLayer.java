package dev.stackquery;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import dev.stackquery.QueryCacheEvent.StorageOperation;

import org.jspecify.annotations.Nullable;

/**
 * The client's side of L2: bounds every backend call by a timeout (its own, unless the backend's
 * {@linkplain StorageBackend#callTimeout() bound} is at least as tight), turns failures and unreadable entries into
 * misses and events, and after a failure leaves reads (or writes) alone for a growing pause (1 s doubling to 30 s) so
 * that a down backend costs one timeout per pause rather than one per query. Reads and writes keep apart: writes have
 * their own time limit and their own pause, so a burst of slow writes never pauses reads. Writes go through
 * {@link StorageWrites} (one per key at a time, latest wins, retried after a failure). Deletes are always attempted:
 * skipping one could later serve data that was invalidated.
 *
 * <p>Every entry written carries the key's generation read before its data was read from the source (see
 * {@link StorageBackend}); a value set by {@code setQueryData} first makes a new generation, so that an older fetch's
 * write, landing later, never replaces it for other instances.
 *
 * <p>The failure counters are guarded by their {@link Health}'s monitor; reads of its pause are racy on purpose.
 */
final class StorageLayer {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");
    private static final long MAX_PAUSE_MILLIS = 30_000;
    private static final int PREFIX_TIMEOUT_FACTOR = 20;
    /** Writes sent at the same time; more wait in {@link StorageWrites}. */
    private static final int MAX_WRITES_IN_FLIGHT = 32;

    record Hit<T>(T value, Instant dataUpdatedAt) {
    }

    /**
     * What a lookup found: a readable current entry or null, and the key's generation, null when L2 did not answer
     * (then nothing fetched now may be written).
     */
    record Found<T>(@Nullable Hit<T> hit, @Nullable String generation) {
    }

    private final StorageBackend backend;
    private final QueryCodec codec;
    private final Clock clock;
    /** The time limits of reads (and single deletes) and of writes. */
    private final Limit readLimit;
    private final Limit writeLimit;
    /** Prefix deletes may walk many keys (a backend without generations): a longer bound than single-key calls. */
    private final Limit prefixLimit;
    private final CacheEvents events;
    private final Duration ttl;
    private final int maxValueBytes;
    private final Health reads = new Health("reads");
    private final Health writes = new Health("writes");
    private final StorageWrites queue;
    private volatile @Nullable Throwable lastError;
    private volatile boolean corruptLogged;
    /** Deletes announced and not yet completed; a read sent meanwhile may see what they delete. */
    private final AtomicInteger deletesInFlight = new AtomicInteger();

    StorageLayer(StorageBackend backend, QueryCodec codec, Clock clock, QueryScheduler scheduler, CacheEvents events,
            Duration timeout, Duration writeTimeout, Duration ttl, int maxValueBytes) {
        this.backend = backend;
        this.codec = codec;
        this.clock = clock;
        Duration own = backend.callTimeout().orElse(null);
        this.readLimit = Limit.of(timeout, own, clock, scheduler);
        this.writeLimit = Limit.of(writeTimeout, own, clock, scheduler);
        this.prefixLimit = Limit.of(timeout.multipliedBy(PREFIX_TIMEOUT_FACTOR), own, clock, scheduler);
        this.events = events;
        this.ttl = ttl;
        this.maxValueBytes = maxValueBytes;
        this.queue = new StorageWrites(this::send, scheduler, writes::pausedForMillis, MAX_WRITES_IN_FLIGHT);
    }

    /**
     * A time limit of backend calls: its own timer, or none when the backend completes its calls within the bound by
     * itself.
     */
    private record Limit(Duration bound, @Nullable Deadlines deadlines) {

        static Limit of(Duration bound, @Nullable Duration backendBound, Clock clock, QueryScheduler scheduler) {
            return new Limit(bound, backendBound != null && backendBound.compareTo(bound) <= 0 ? null
                    : new Deadlines(clock, scheduler, bound));
        }
    }

    StorageBackend backend() {
        return backend;
    }

    /** Whether the last L2 reads and writes succeeded (or none failed yet). */
    boolean isHealthy() {
        return reads.healthy() && writes.healthy();
    }

    @Nullable Throwable lastError() {
        return lastError;
    }

    /** Whether reads are left alone after failures: nothing written by another instance can be seen now. */
    boolean readsPaused() {
        return reads.paused();
    }

    /** Whether writes wait after failures: nothing written now reaches other instances soon. */
    boolean writesPaused() {
        return writes.paused();
    }

    /**
     * Ends the pauses at once: the invalidation bus, which shares the backend's server, just got its connection back,
     * so L2 very likely answers again (if not, the next failure starts a pause of its own).
     */
    void resume() {
        reads.succeeded();
        writes.succeeded();
        queue.wakeUp();
    }

    /**
     * Announces a delete, before the caller changes L1: until the returned action runs (when the delete completed),
     * the entries that reads find are not used (a read may reach L2 before the delete, on another connection), only
     * the generations. Coarse on purpose: deletes are rare and short, reads many.
     */
    Runnable deleting() {
        deletesInFlight.incrementAndGet();
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                deletesInFlight.decrementAndGet();
            }
        };
    }

    /** Reads and decodes the current entry of {@code key}; every failure is reported and becomes an empty result. */
    <T> CompletableFuture<Optional<Hit<T>>> read(QueryKey key, TypeRef<T> type) {
        return lookup(key, type).thenApply(found -> Optional.ofNullable(found.hit()));
    }

    /**
     * Reads the current entry of {@code key} and the key's generation together; every failure is reported and becomes
     * a result without a hit (and without a generation when L2 did not answer).
     */
    <T> CompletableFuture<Found<T>> lookup(QueryKey key, TypeRef<T> type) {
        if (reads.paused()) {
            return CompletableFuture.completedFuture(new Found<>(null, null));
        }
        PendingLookup<T> pending = new PendingLookup<>(key, type, deletesInFlight.get() > 0);
        CompletableFuture<StorageBackend.Lookup> source;
        try {
            source = Objects.requireNonNull(backend.lookup(key),
                    () -> backend.name() + " returned no future for " + StorageOperation.GET);
        } catch (RuntimeException e) {
            source = CompletableFuture.failedFuture(e);
        }
        Deadlines limit = readLimit.deadlines();
        if (limit != null && !source.isDone()) {
            limit.watch(pending);
        }
        source.whenComplete(pending);
        return pending;
    }

    /**
     * One lookup on its way: the future its caller gets, the handler of the backend's answer and the call its
     * deadline watches, in one object, as every L1 miss makes one. It completes once, with what came first: the
     * answer or the timeout (a later answer is dropped).
     */
    private final class PendingLookup<T> extends CompletableFuture<Found<T>>
            implements BiConsumer<StorageBackend.@Nullable Lookup, @Nullable Throwable>, Deadlines.Call {

        /** A handle on {@link #settled} rather than an atomic object per lookup. */
        private static final VarHandle SETTLED;

        static {
            try {
                SETTLED = MethodHandles.lookup().findVarHandle(PendingLookup.class, "settled", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final QueryKey key;
        private final TypeRef<T> type;
        /** Whether a delete was under way when the read was sent: then its entry may be one the delete removes. */
        private final boolean racingDelete;
        /** Set once, by the answer or by the timeout, whichever comes first; see {@link #SETTLED}. */
        private volatile boolean settled;

        PendingLookup(QueryKey key, TypeRef<T> type, boolean racingDelete) {
            this.key = key;
            this.type = type;
            this.racingDelete = racingDelete;
        }

        @Override
        public boolean ended() {
            return settled;
        }

        @Override
        public void accept(StorageBackend.@Nullable Lookup found, @Nullable Throwable error) {
            if (!SETTLED.compareAndSet(this, false, true)) {
                return; // timed out already
            }
            try {
                settle(found, error);
            } catch (Throwable unexpected) {
                completeExceptionally(unexpected); // as a stage would: never left pending
            }
        }

        private void settle(StorageBackend.@Nullable Lookup found, @Nullable Throwable error) {
            if (error != null) {
                if (Futures.unwrap(error) instanceof CorruptStorageEntryException corrupt) {
                    reads.succeeded();
                    unreadable(key, type, corrupt);
                } else {
                    failed(reads, key, StorageOperation.GET, error);
                    complete(new Found<>(null, null));
                }
                return;
            }
            reads.succeeded();
            if (found == null) {
                complete(new Found<>(null, null));
                return;
            }
            StorageEntry entry = found.entry().orElse(null);
            if (entry == null || racingDelete) {
                complete(new Found<>(null, found.generation()));
                return;
            }
            T value;
            try {
                value = codec.decode(entry.value(), type);
            } catch (RuntimeException corrupt) {
                unreadable(key, type, corrupt);
                return;
            }
            complete(new Found<>(new Hit<>(value, entry.dataUpdatedAt()), found.generation()));
        }

        @Override
        public void expire() {
            if (!SETTLED.compareAndSet(this, false, true)) {
                return;
            }
            failed(reads, key, StorageOperation.GET, new TimeoutException("L2 " + backend.name() + " "
                    + StorageOperation.GET + " of " + key + " took longer than " + readLimit.bound()));
            complete(new Found<>(null, null));
        }

        /** Reports and deletes the unreadable entry, then completes with the key's new generation. */
        private void unreadable(QueryKey key, TypeRef<?> type, RuntimeException error) {
            StorageLayer.this.<T>unreadable(key, type, error).whenComplete((found, failure) ->
                    complete(found != null ? found : new Found<>(null, null)));
        }
    }

    /** The key's generation, or null when L2 did not answer (then nothing fetched now may be written). */
    CompletableFuture<@Nullable String> generation(QueryKey key) {
        if (reads.paused()) {
            return CompletableFuture.completedFuture(null);
        }
        return bounded(() -> backend.generation(key), readLimit, StorageOperation.GET, key)
                .handle((generation, error) -> {
                    if (error != null) {
                        failed(reads, key, StorageOperation.GET, error);
                        return null;
                    }
                    reads.succeeded();
                    return generation;
                });
    }

    /**
     * Encodes {@code value} and queues its write; failures are reported. The future completes (never exceptionally)
     * when the write is done, skipped, replaced by a newer one or given up, with whether the value (or the newer one)
     * reached L2.
     *
     * @param generation the key's generation read before the data was read from its source; null for a set value,
     *        which first makes a new generation
     * @param current whether the value may still be written: false once its query was invalidated, reset or removed
     */
    CompletableFuture<Boolean> write(QueryKey key, Object value, @Nullable TypeRef<?> declared,
            Instant dataUpdatedAt, @Nullable String generation, BooleanSupplier current) {
        TypeRef<?> type = declared != null ? declared : TypeRef.of((Type) value.getClass());
        byte[] bytes;
        try {
            bytes = codec.encode(value, type);
        } catch (RuntimeException e) {
            events.fire(new QueryCacheEvent.StorageError(key, StorageOperation.ENCODE, e));
            LOG.log(Level.DEBUG, () -> "query " + key + " could not be encoded as " + type + "; kept in L1 only", e);
            return CompletableFuture.completedFuture(false);
        }
        if (bytes.length > maxValueBytes) {
            events.fire(new QueryCacheEvent.StorageSkipped(key, bytes.length, maxValueBytes));
            return CompletableFuture.completedFuture(false);
        }
        return queue.submit(new StorageWrites.Write(key, bytes, dataUpdatedAt.toEpochMilli(), generation, current));
    }

    /** Sends one queued write: a set value first makes a new generation and reads it, a fetched one has its own. */
    private CompletableFuture<StorageWrites.Outcome> send(StorageWrites.Write write) {
        QueryKey key = write.key;
        CompletableFuture<@Nullable String> generation;
        if (write.generation != null) {
            generation = CompletableFuture.completedFuture(write.generation);
        } else {
            generation = bounded(() -> backend.delete(key), writeLimit, StorageOperation.DELETE, key)
                    .thenCompose(deleted -> bounded(() -> backend.generation(key), writeLimit,
                            StorageOperation.GET, key));
        }
        return generation.thenCompose(current -> {
            if (!write.current.getAsBoolean()) {
                return CompletableFuture.completedFuture(StorageWrites.Outcome.DROPPED);
            }
            StorageEntry entry = new StorageEntry(write.bytes, Instant.ofEpochMilli(write.dataUpdatedAt), current);
            return bounded(() -> backend.put(key, entry, ttl), writeLimit, StorageOperation.PUT, key)
                    .thenApply(ok -> StorageWrites.Outcome.DONE);
        }).handle((outcome, error) -> {
            if (error != null) {
                failed(writes, key, StorageOperation.PUT, error);
                return StorageWrites.Outcome.RETRY;
            }
            writes.succeeded();
            return outcome;
        });
    }

    CompletableFuture<Void> delete(QueryKey key) {
        return settle(bounded(() -> backend.delete(key), readLimit, StorageOperation.DELETE, key), key,
                StorageOperation.DELETE);
    }

    CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        return settle(bounded(() -> backend.deleteByPrefix(prefix), prefixLimit,
                StorageOperation.DELETE_BY_PREFIX, prefix), prefix, StorageOperation.DELETE_BY_PREFIX);
    }

    void close() {
        queue.close();
        try {
            backend.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing L2 backend " + backend.name() + " failed", e);
        }
    }

    private CompletableFuture<Void> settle(CompletableFuture<Void> call, QueryKey key, StorageOperation op) {
        return call.handle((ok, error) -> {
            if (error != null) {
                failed(reads, key, op, error);
            } else {
                reads.succeeded();
            }
            return null;
        });
    }

    private <X> CompletableFuture<X> bounded(Supplier<CompletableFuture<X>> call, Limit limit,
            StorageOperation op, QueryKey key) {
        CompletableFuture<X> source;
        try {
            source = Objects.requireNonNull(call.get(), () -> backend.name() + " returned no future for " + op);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Deadlines deadlines = limit.deadlines();
        if (deadlines == null || source.isDone()) {
            return source;
        }
        CompletableFuture<X> bounded = new CompletableFuture<>();
        deadlines.watch(bounded, () -> new TimeoutException("L2 " + backend.name() + " " + op + " of " + key
                + " took longer than " + limit.bound()));
        Futures.relay(source, bounded);
        return bounded;
    }

    private void failed(Health health, QueryKey key, StorageOperation op, Throwable error) {
        Throwable cause = Futures.unwrap(error);
        lastError = cause;
        long pause = health.failed();
        events.fire(new QueryCacheEvent.StorageError(key, op, cause));
        if (pause > 0) {
            LOG.log(Level.WARNING, "L2 " + backend.name() + " " + op + " failed for " + key + ": " + cause
                    + "; queries go on with L1 and their sources, L2 " + health.name + " are tried again in " + pause
                    + " ms");
        } else {
            LOG.log(Level.DEBUG, () -> "L2 " + backend.name() + " " + op + " failed for " + key, cause);
        }
    }

    /**
     * Failures of one kind of call (reads or writes) in a row, and the pause they started. Guarded by its monitor;
     * {@link #pausedUntil} is read without it, racily on purpose.
     */
    private final class Health {
        final String name;
        private volatile long pausedUntil = Long.MIN_VALUE;
        private volatile int consecutiveFailures;

        Health(String name) {
            this.name = name;
        }

        boolean healthy() {
            return consecutiveFailures == 0;
        }

        boolean paused() {
            return pausedUntil > clock.millis();
        }

        long pausedForMillis() {
            long until = pausedUntil;
            return until == Long.MIN_VALUE ? 0 : Math.max(0, until - clock.millis());
        }

        /** Counts a failure; returns the pause it started when it is the first in a row, else 0. */
        synchronized long failed() {
            consecutiveFailures++;
            long pause = Math.min(MAX_PAUSE_MILLIS, 1000L << Math.min(consecutiveFailures - 1, 5));
            pausedUntil = clock.millis() + pause;
            return consecutiveFailures == 1 ? pause : 0;
        }

        void succeeded() {
            if (consecutiveFailures == 0) {
                return; // racy fast path: the usual case needs no lock
            }
            synchronized (this) {
                if (consecutiveFailures > 0) {
                    consecutiveFailures = 0;
                    pausedUntil = Long.MIN_VALUE;
                    LOG.log(Level.INFO, "L2 " + backend.name() + " " + name + " answer again");
                }
            }
        }
    }

    /**
     * Reports and deletes an unreadable entry; then reads the key's generation, which the delete moved on, so that the
     * fetch replacing the entry writes under it.
     */
    private <T> CompletableFuture<Found<T>> unreadable(QueryKey key, TypeRef<?> type, RuntimeException error) {
        events.fire(new QueryCacheEvent.StorageError(key, StorageOperation.DECODE, error));
        if (!corruptLogged) {
            corruptLogged = true;
            LOG.log(Level.WARNING, "L2 entry of " + key + " is not a readable " + type + " (" + error
                    + "); it is deleted and treated as a miss (further cases are logged at DEBUG)");
        } else {
            LOG.log(Level.DEBUG, () -> "unreadable L2 entry of " + key + " deleted", error);
        }
        return delete(key).thenCompose(deleted -> generation(key)).thenApply(generation -> new Found<>(null,
                generation));
    }
}
