package dev.stackquery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import dev.stackquery.QueryCacheEvent.CacheLevel;
import dev.stackquery.QueryCacheEvent.LookupResult;

import org.jspecify.annotations.Nullable;

/**
 * The one fetch of a key that is running: an optional L2 probe, then attempts with retries, then the outcome.
 *
 * <p>Every caller of the key shares this object (single flight); each gets its own copy of {@link #result} or
 * {@link #firstData}, so cancelling a copy detaches only that caller. Its mutable fields are guarded by the
 * query's monitor (see {@link Query}); attempts complete through {@link #attemptDone}, which ignores late results
 * of attempts that timed out or were cancelled.
 *
 * <p>No invalidation is lost to a fetch that was already running (see {@link Coherence}): the fetch remembers the
 * query's {@linkplain Query#generation() generation} when it starts, and data it brings back after the generation
 * moved on is stored as invalidated, is not written to L2, and is followed by a new fetch for the observers and for
 * the {@code fetchFreshQuery} callers that came after the change. Before reading the source, it reads the key's L2
 * generation (with the L2 probe, or alone), which the L2 entry it writes carries.
 */
final class InFlightFetch<T> {

    /** How often an instance waiting for another instance's fetch looks into L2. */
    private static final Duration HOLDER_POLL = Duration.ofMillis(20);

    private final DefaultQueryClient client;
    private final Query<T> query;
    private final QueryOptions<T> options;
    private final boolean probeStorage;
    private final long startedAt;
    private final QueryStatus statusBefore;
    /** The query's generation when this fetch started (or when its first attempt did). Guarded by the monitor. */
    private long generation;

    /** Completes with the fetched data, or fails when the fetch fails or is cancelled. */
    final CompletableFuture<T> result = new CompletableFuture<>();
    /** Completes with the first usable data: stale data found in L2, or else the fetched data. */
    final CompletableFuture<T> firstData = new CompletableFuture<>();

    // Guarded by the query's monitor.
    private int attempts;
    private @Nullable Attempt current;
    private QueryScheduler.@Nullable Cancellable retryTimer;
    private FetchLock.@Nullable Lease lease;
    private boolean done;
    /** The key's L2 generation read before the source; null when L2 did not say (then nothing is written). */
    private @Nullable String storageGeneration;
    /** When the current attempt started: when its data was read from the source, as L2 records it. */
    private long attemptStartedAt;
    /** The result of the fetch after this one, for callers that joined after this one was superseded. */
    private @Nullable CompletableFuture<T> successor;
    /** What the source call observer returned when this fetch started. */
    private @Nullable Object observerContext;
    /** Whether a caller (not an observer) waits for the outcome: then retries go on whatever observers do. */
    private boolean awaited;
    /** Set when the last observer left while nobody awaits: a failed attempt is then final. */
    private boolean retryCancelled;
    /** The latest attempt's failure, for a retry that is called off. */
    private @Nullable Throwable lastFailure;

    InFlightFetch(DefaultQueryClient client, Query<T> query, QueryOptions<T> options, boolean probeStorage,
            long startedAt, QueryStatus statusBefore, long generation) {
        this.client = client;
        this.query = query;
        this.options = options;
        this.probeStorage = probeStorage;
        this.startedAt = startedAt;
        this.statusBefore = statusBefore;
        this.generation = generation;
    }

    /** Whether the query was invalidated (or reset, removed, set) since this fetch started. Under the monitor. */
    boolean superseded() {
        return query.generation() != generation;
    }

    /**
     * The result of a fetch that starts after this one ends, for a caller that must not get this one's (superseded)
     * data; the caller holds the query's monitor.
     */
    CompletableFuture<T> successor() {
        if (successor == null) {
            successor = new CompletableFuture<>();
        }
        return successor;
    }

    /** A caller waits for this fetch's outcome: its retries go on. Under the monitor. */
    void awaited() {
        awaited = true;
        retryCancelled = false;
    }

    /** An observer attached: retries called off when the last one left go on again. Under the monitor. */
    void continueRetry() {
        retryCancelled = false;
    }

    /**
     * The last observer left (TanStack Query's {@code cancelRetry}): unless a caller awaits the outcome, the running
     * attempt may finish, but a failure is final and a retry already scheduled does not call the source again. Under
     * the monitor.
     */
    void cancelRetry() {
        if (!awaited) {
            retryCancelled = true;
        }
    }

    /** Starts the fetch; called once, outside the query's monitor. */
    void start() {
        observerContext = Attempt.fetchContext(client.sourceCalls, query.key); // on the caller's thread
        TypeRef<T> type;
        synchronized (query) {
            type = query.type();
        }
        StorageLayer storage = client.storage;
        if (storage == null) {
            nextAttempt();
        } else if (probeStorage && type != null) {
            // No hop to the executor: an L2 hit only sets state and completes futures, and a miss goes on to
            // nextAttempt, which runs the function on the executor anyway.
            storage.lookup(query.key, type).whenComplete((found, error) -> probed(found, type));
        } else {
            storage.generation(query.key).whenComplete((read, error) -> {
                synchronized (query) {
                    storageGeneration = read;
                }
                nextAttempt();
            });
        }
    }

    private void probed(StorageLayer.@Nullable Found<T> found, TypeRef<T> type) {
        StorageLayer.Hit<T> hit = found == null ? null : found.hit();
        LookupResult lookup = LookupResult.MISS;
        long baseline;
        synchronized (query) {
            if (done) {
                return;
            }
            storageGeneration = found == null ? null : found.generation();
            QueryState<T> now = query.state;
            baseline = now.dataUpdatedAtMillis();
            long updated = hit == null ? Long.MIN_VALUE : hit.dataUpdatedAt().toEpochMilli();
            if (hit != null && usable(updated, baseline)) {
                QueryState<T> loaded = QueryState.success(hit.value(), updated);
                boolean fresh = !loaded.isStaleAt(client.clock.millis(), client.staleMillis(options));
                lookup = fresh ? LookupResult.HIT : LookupResult.STALE;
                baseline = updated;
                if (fresh) {
                    settleFromStorage(loaded);
                } else {
                    client.setState(query, loaded.withFetchStatus(FetchStatus.FETCHING));
                }
            }
        }
        client.events.fire(new QueryCacheEvent.Lookup(query.key, CacheLevel.L2, lookup));
        if (lookup == LookupResult.HIT) {
            deliver(hit.value());
            return;
        }
        if (lookup == LookupResult.STALE) {
            firstData.complete(hit.value());
        }
        fetchFromSource(type, baseline);
    }

    /** Ends the fetch with data read from L2; the caller holds the query's monitor and completes the futures. */
    private void settleFromStorage(QueryState<T> loaded) {
        done = true;
        query.inFlight = null;
        client.setState(query, loaded);
        client.touchGc(query);
    }

    /**
     * Calls the source, unless another instance holds the key's cluster lock: then watches L2 for that instance's
     * result (anything newer than {@code baseline}), trying the lock again at each look (the holder may have ended
     * without writing), until the lease ends; and calls the source at once if the query is invalidated meanwhile.
     */
    private void fetchFromSource(TypeRef<T> type, long baseline) {
        if (client.fetchLock == null) {
            nextAttempt();
            return;
        }
        lockOrAwait(type, baseline, Long.MIN_VALUE);
    }

    private void lockOrAwait(TypeRef<T> type, long baseline, long deadline) {
        FetchLock lock = Objects.requireNonNull(client.fetchLock, "fetchLock");
        CompletableFuture<Optional<FetchLock.Lease>> acquired;
        try {
            acquired = Objects.requireNonNull(lock.tryAcquire(query.key, client.fetchLockLease), "lease future");
        } catch (RuntimeException e) {
            acquired = CompletableFuture.failedFuture(e);
        }
        acquired.whenCompleteAsync((granted, error) -> {
            if (error != null || granted == null) {
                nextAttempt(); // the lock service is unreachable: better a duplicate fetch than none
            } else if (granted.isPresent()) {
                boolean keep;
                synchronized (query) {
                    keep = !done;
                    if (keep) {
                        lease = granted.get();
                    }
                }
                if (!keep) {
                    granted.get().release();
                } else if (deadline == Long.MIN_VALUE) {
                    nextAttempt();
                } else {
                    // The holder freed the lock: it may have written L2 just after this instance last looked.
                    client.storage.read(query.key, type).whenCompleteAsync(
                            (found, readError) -> lockedAfterHolder(found, baseline), client.executor);
                }
            } else if (deadline == Long.MIN_VALUE) {
                client.events.fire(new QueryCacheEvent.FetchDeduplicated(query.key));
                awaitHolder(type, baseline, client.clock.millis() + client.fetchLockLease.toMillis());
            } else {
                awaitHolder(type, baseline, deadline);
            }
        }, client.executor);
    }

    private void awaitHolder(TypeRef<T> type, long baseline, long deadline) {
        synchronized (query) {
            if (done) {
                return;
            }
            // Invalidated while waiting: the holder may be reading what was there before, so read the source now.
            // And while L2 is left alone after failures, the holder's result could not be seen anyway.
            if (!superseded() && client.clock.millis() < deadline && !client.storage.readsPaused()) {
                retryTimer = client.scheduler.schedule(() -> client.storage.read(query.key, type)
                        .whenCompleteAsync((found, error) -> holderPolled(found, type, baseline, deadline),
                                client.executor), HOLDER_POLL);
                return;
            }
        }
        nextAttempt();
    }

    /** Holding the lock that another instance held: its result if it is in L2 now, else a fetch of our own. */
    private void lockedAfterHolder(@Nullable Optional<StorageLayer.Hit<T>> found, long baseline) {
        Boolean settled = settleFromHolder(found, baseline);
        if (settled == null) {
            return;
        }
        if (settled) {
            releaseLease();
        } else {
            nextAttempt();
        }
    }

    private void holderPolled(@Nullable Optional<StorageLayer.Hit<T>> found, TypeRef<T> type, long baseline,
            long deadline) {
        if (Boolean.FALSE.equals(settleFromHolder(found, baseline))) {
            lockOrAwait(type, baseline, deadline);
        }
    }

    /**
     * Ends the fetch with the lock holder's result found in L2, if it may replace what the query holds.
     *
     * @return whether it did; null when the fetch had ended already
     */
    private @Nullable Boolean settleFromHolder(@Nullable Optional<StorageLayer.Hit<T>> found, long baseline) {
        StorageLayer.Hit<T> hit = found == null ? null : found.orElse(null);
        synchronized (query) {
            if (done) {
                return null;
            }
            long updated = hit == null ? Long.MIN_VALUE : hit.dataUpdatedAt().toEpochMilli();
            if (hit == null || !usable(updated, baseline)) {
                return false;
            }
            settleFromStorage(QueryState.success(hit.value(), updated));
        }
        client.events.fire(new QueryCacheEvent.Lookup(query.key, CacheLevel.L2, LookupResult.HIT));
        deliver(hit.value());
        return true;
    }

    /**
     * Whether L2 data read at {@code updated} may replace what the query holds: newer than {@code baseline}, and read
     * from L2 while the query's generation was still this fetch's (a read that raced an invalidation may have seen
     * the entry just before its delete). Under the monitor.
     */
    private boolean usable(long updated, long baseline) {
        return updated > baseline && !superseded();
    }

    /** Hands the fetched (or L2) data to every waiting caller. */
    private void deliver(T value) {
        result.complete(value);
        firstData.complete(value);
    }

    private void releaseLease() {
        FetchLock.Lease held;
        synchronized (query) {
            held = lease;
            lease = null;
        }
        if (held != null) {
            try {
                held.release();
            } catch (RuntimeException e) {
                // The lease expires by itself; nothing else to do.
            }
        }
    }

    private void nextAttempt() {
        Attempt attempt;
        CompletableFuture<T> rebased = null;
        Throwable calledOff = null;
        CompletableFuture<T> next = null;
        synchronized (query) {
            if (done) {
                return;
            }
            if (retryCancelled && lastFailure != null) {
                calledOff = lastFailure;
                next = finalFailure(calledOff, client.clock.millis());
            }
        }
        if (calledOff != null) {
            reportFailure(calledOff, next);
            return;
        }
        synchronized (query) {
            if (done) {
                return;
            }
            if (superseded()) {
                // Invalidated before this attempt reads the source: what it reads is current for L1. Not for L2, whose
                // generation was read before the change; so it is not written there.
                generation = query.generation();
                storageGeneration = null;
                rebased = successor;
                successor = null;
            }
            retryTimer = null;
            attempt = new Attempt(query.key, ++attempts);
            current = attempt;
            attemptStartedAt = client.clock.millis();
        }
        if (rebased != null) {
            Futures.relay(result, rebased);
        }
        if (attempt.attempt() == 1) {
            client.events.fire(new QueryCacheEvent.FetchStarted(query.key));
        }
        long timeout = client.timeoutMillis(options);
        if (timeout > 0) {
            attempt.timeout = client.scheduler.schedule(() -> {
                attemptDone(attempt, null, new TimeoutException("query " + query.key + " attempt "
                        + attempt.attempt() + " timed out after " + Duration.ofMillis(timeout)));
                attempt.cancel();
            }, Duration.ofMillis(timeout));
        }
        try {
            client.executor.execute(() -> run(attempt));
        } catch (RejectedExecutionException e) {
            attemptDone(attempt, null, e);
        }
    }

    private void run(Attempt attempt) {
        if (attempt.isCancelled()) {
            return; // cancelled (or replaced) before the executor got to it: the source is not called for nothing
        }
        attempt.observe(client.sourceCalls, observerContext);
        QueryFunction<T> blocking = options.functionOrNull();
        if (blocking != null) {
            T value = null;
            Throwable error = null;
            attempt.enter();
            try {
                value = blocking.fetch(attempt);
            } catch (Throwable e) {
                CacheEvents.rethrowFatal(e);
                error = e;
            } finally {
                attempt.exit();
                attempt.returned();
            }
            attemptDone(attempt, value, error);
            return;
        }
        AsyncQueryFunction<T> async = options.asyncFunctionOrNull();
        try {
            CompletionStage<T> stage;
            try {
                stage = async == null ? null : async.fetch(attempt);
            } finally {
                attempt.returned();
            }
            if (stage == null) {
                attemptDone(attempt, null, new NullPointerException("async query function of " + query.key
                        + " returned no CompletionStage"));
                return;
            }
            stage.whenComplete((value, error) -> attemptDone(attempt, value,
                    error == null ? null : Futures.unwrap(error)));
        } catch (RuntimeException | Error e) {
            CacheEvents.rethrowFatal(e);
            attemptDone(attempt, null, e);
        }
    }

    private void attemptDone(Attempt attempt, @Nullable T value, @Nullable Throwable error) {
        Throwable failure = error;
        boolean retryable = true;
        if (failure == null && value == null) {
            failure = new NullPointerException("query function of " + query.key + " returned null; return a value"
                    + " or Optional.empty() wrapped in the data type");
            retryable = false;
        }
        attempt.ended(failure);
        Duration retryIn = null;
        long now = client.clock.millis();
        boolean superseded = false;
        String writeGeneration = null;
        long generationAtEnd = 0;
        long readAt = now;
        CompletableFuture<T> next = null;
        synchronized (query) {
            if (done || attempt != current) {
                return; // a late result of an attempt that timed out or was cancelled
            }
            QueryScheduler.Cancellable timer = attempt.timeout;
            if (timer != null) {
                timer.cancel();
            }
            if (failure == null) {
                done = true;
                query.inFlight = null;
                superseded = superseded();
                QueryState<T> fetched = QueryState.success(value, now);
                client.setState(query, superseded ? fetched.withInvalidated() : fetched);
                client.touchGc(query);
                writeGeneration = superseded ? null : storageGeneration;
                generationAtEnd = generation;
                readAt = attemptStartedAt;
                next = successor;
            } else {
                lastFailure = failure;
                client.setState(query, query.state.failedAttempt(attempts, failure));
                if (retryable && !retryCancelled && attempts <= client.retries(options)) {
                    retryIn = client.retryDelay(options).delay(attempts, failure);
                    if (retryIn == null || retryIn.isNegative()) {
                        retryIn = Duration.ZERO;
                    }
                    retryTimer = client.scheduler.schedule(this::nextAttempt, retryIn);
                } else {
                    next = finalFailure(failure, now);
                }
            }
        }
        if (failure == null) {
            Duration took = Duration.ofMillis(Math.max(0, now - startedAt));
            client.events.fire(new QueryCacheEvent.FetchSucceeded(query.key, attempts, took));
            // The L2 write is queued before callers resume, so a caller that closes the client right after its
            // fetch still finds the value in L2 on the next start.
            StorageLayer storage = client.storage;
            if (storage != null && writeGeneration != null) {
                TypeRef<T> type;
                synchronized (query) {
                    type = query.type();
                }
                long writtenIn = generationAtEnd;
                CompletableFuture<Boolean> written = storage.write(query.key, value, type, Instant.ofEpochMilli(readAt),
                        writeGeneration, () -> query.isGeneration(writtenIn));
                if (storage.writesPaused()) {
                    releaseLease(); // the write waits for L2: instances waiting for it had better fetch themselves
                } else {
                    written.whenComplete((ignored, writeError) -> releaseLease());
                }
            } else {
                releaseLease();
            }
            deliver(value);
            if (next != null) {
                client.followUp(options, next);
            }
            if (superseded) {
                client.refetchIfObserved(query);
            }
            var onSuccess = options.onSuccessOrNull();
            if (onSuccess != null) {
                client.events.callback("onSuccess", query.key, onSuccess, value);
            }
            settled(value, null);
        } else if (retryIn != null) {
            client.events.fire(new QueryCacheEvent.FetchRetried(query.key, attempts, retryIn, failure));
        } else {
            reportFailure(failure, next);
        }
    }

    /** Ends the fetch as failed with {@code failure}; under the monitor. Returns the successor to fail with it. */
    private @Nullable CompletableFuture<T> finalFailure(Throwable failure, long now) {
        done = true;
        query.inFlight = null;
        client.setState(query, query.state.failed(failure, now));
        client.touchGc(query);
        return successor;
    }

    /** Tells everyone waiting that the fetch failed for good; outside the monitor, after {@link #finalFailure}. */
    private void reportFailure(Throwable failure, @Nullable CompletableFuture<T> next) {
        Duration took = Duration.ofMillis(Math.max(0, client.clock.millis() - startedAt));
        releaseLease();
        client.events.fire(new QueryCacheEvent.FetchFailed(query.key, attempts, took, failure));
        QueryFetchException fetchFailure = new QueryFetchException(query.key, attempts, failure);
        result.completeExceptionally(fetchFailure);
        firstData.completeExceptionally(fetchFailure);
        if (next != null) {
            next.completeExceptionally(fetchFailure);
        }
        var onError = options.onErrorOrNull();
        if (onError != null) {
            client.events.callback("onError", query.key, onError, failure);
        }
        settled(null, failure);
    }

    private void settled(@Nullable T value, @Nullable Throwable failure) {
        var onSettled = options.onSettledOrNull();
        if (onSettled != null) {
            client.events.callback("onSettled", query.key, ignored -> onSettled.accept(value, failure), null);
        }
    }

    /**
     * Stops this fetch for {@code next}, which replaces it ({@code cancelRefetch}, TanStack's silent cancel): the
     * running attempt is cancelled, no retry follows, the state is left as it is, and whoever waits for this fetch
     * gets the outcome of {@code next}. Called under the monitor, {@code next} already being the query's fetch; run
     * the returned action after releasing it.
     */
    Runnable replaceWith(InFlightFetch<T> next) {
        done = true;
        Attempt attempt = current;
        if (retryTimer != null) {
            retryTimer.cancel();
        }
        if (awaited) {
            next.awaited();
        }
        CompletableFuture<T> waiting = successor;
        return () -> {
            if (attempt != null) {
                attempt.cancel();
            }
            releaseLease();
            client.events.fire(new QueryCacheEvent.FetchCancelled(query.key));
            Futures.relay(next.result, result);
            Futures.relay(next.result, firstData);
            if (waiting != null) {
                Futures.relay(next.result, waiting);
            }
        };
    }

    /**
     * Stops the fetch: the running attempt is cancelled and no retry follows. With {@code revertState}
     * ({@code cancelQueries}, {@code close}), the query's state goes back to what it was before the fetch (keeping
     * data set meanwhile). With {@code serveReverted} ({@code cancelQueries}), as in TanStack Query, waiting callers
     * complete with the data the query then holds; otherwise (removal, reset, close), or when it holds none, they fail
     * with a {@link CancellationException}.
     *
     * @return whether the fetch was still running
     */
    boolean cancel(boolean revertState, boolean serveReverted) {
        Attempt attempt;
        CompletableFuture<T> next;
        T reverted = null;
        synchronized (query) {
            if (done) {
                return false;
            }
            done = true;
            next = successor;
            query.inFlight = null;
            attempt = current;
            if (retryTimer != null) {
                retryTimer.cancel();
            }
            if (revertState) {
                client.setState(query, query.state.cancelled(statusBefore));
                client.touchGc(query);
                if (serveReverted) {
                    reverted = query.state.data();
                }
            }
        }
        if (attempt != null) {
            attempt.cancel();
        }
        releaseLease();
        client.events.fire(new QueryCacheEvent.FetchCancelled(query.key));
        if (reverted != null) {
            deliver(reverted);
            if (next != null) {
                next.complete(reverted);
            }
            return true;
        }
        CancellationException cancelled = new CancellationException("fetch of query " + query.key
                + " was cancelled");
        result.completeExceptionally(cancelled);
        firstData.completeExceptionally(cancelled);
        if (next != null) {
            next.completeExceptionally(cancelled);
        }
        return true;
    }
}
