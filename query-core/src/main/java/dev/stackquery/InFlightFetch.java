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

    InFlightFetch(DefaultQueryClient client, Query<T> query, QueryOptions<T> options, boolean probeStorage,
            long startedAt, QueryStatus statusBefore) {
        this.client = client;
        this.query = query;
        this.options = options;
        this.probeStorage = probeStorage;
        this.startedAt = startedAt;
        this.statusBefore = statusBefore;
    }

    /** Starts the fetch; called once, outside the query's monitor. */
    void start() {
        TypeRef<T> type;
        synchronized (query) {
            type = query.type;
        }
        StorageLayer storage = client.storage;
        if (probeStorage && storage != null && type != null) {
            // No hop to the executor: an L2 hit only sets state and completes futures, and a miss goes on to
            // nextAttempt, which runs the function on the executor anyway.
            storage.read(query.key, type).whenComplete((hit, error) -> probed(hit, type));
        } else {
            nextAttempt();
        }
    }

    private void probed(@Nullable Optional<StorageLayer.Hit<T>> found, TypeRef<T> type) {
        StorageLayer.Hit<T> hit = found == null ? null : found.orElse(null);
        LookupResult lookup = LookupResult.MISS;
        long baseline;
        synchronized (query) {
            if (done) {
                return;
            }
            QueryState<T> now = query.state;
            baseline = now.dataUpdatedAtMillis();
            long updated = hit == null ? Long.MIN_VALUE : hit.dataUpdatedAt().toEpochMilli();
            if (hit != null && usable(updated, baseline)) {
                QueryState<T> loaded = QueryState.success(hit.value(), updated);
                boolean fresh = !loaded.isStaleAt(client.clock.millis(), client.staleMillis(options));
                lookup = fresh ? LookupResult.HIT : LookupResult.STALE;
                baseline = updated;
                if (fresh) {
                    settleFromStorage(hit.value(), updated);
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
    private void settleFromStorage(T value, long updated) {
        done = true;
        query.inFlight = null;
        client.setState(query, QueryState.success(value, updated));
        client.touchGc(query);
    }

    /**
     * Calls the source, unless another instance holds the key's cluster lock: then watches L2 for that instance's
     * result (anything newer than {@code baseline}) until the lease ends, and only then calls the source itself.
     */
    private void fetchFromSource(TypeRef<T> type, long baseline) {
        FetchLock lock = client.fetchLock;
        if (lock == null) {
            nextAttempt();
            return;
        }
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
                synchronized (query) {
                    lease = granted.get();
                }
                nextAttempt();
            } else {
                client.events.fire(new QueryCacheEvent.FetchDeduplicated(query.key));
                awaitHolder(type, baseline, client.clock.millis() + client.fetchLockLease.toMillis());
            }
        }, client.executor);
    }

    private void awaitHolder(TypeRef<T> type, long baseline, long deadline) {
        synchronized (query) {
            if (done) {
                return;
            }
            if (client.clock.millis() < deadline) {
                retryTimer = client.scheduler.schedule(() -> client.storage.read(query.key, type)
                        .whenCompleteAsync((found, error) -> holderPolled(found, type, baseline, deadline),
                                client.executor), HOLDER_POLL);
                return;
            }
        }
        nextAttempt();
    }

    private void holderPolled(@Nullable Optional<StorageLayer.Hit<T>> found, TypeRef<T> type, long baseline,
            long deadline) {
        StorageLayer.Hit<T> hit = found == null ? null : found.orElse(null);
        synchronized (query) {
            if (done) {
                return;
            }
            long updated = hit == null ? Long.MIN_VALUE : hit.dataUpdatedAt().toEpochMilli();
            if (hit == null || !usable(updated, baseline)) {
                hit = null;
            } else {
                settleFromStorage(hit.value(), updated);
            }
        }
        if (hit == null) {
            awaitHolder(type, baseline, deadline);
            return;
        }
        client.events.fire(new QueryCacheEvent.Lookup(query.key, CacheLevel.L2, LookupResult.HIT));
        deliver(hit.value());
    }

    /**
     * Whether L2 data written at {@code updated} may replace what the query holds: newer than {@code baseline} and
     * than the last invalidation (an older entry may be one whose delete has not landed yet). Under the monitor.
     */
    private boolean usable(long updated, long baseline) {
        return updated > baseline && updated > query.invalidatedAt();
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
        synchronized (query) {
            if (done) {
                return;
            }
            retryTimer = null;
            attempt = new Attempt(query.key, ++attempts);
            current = attempt;
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
            }
            attemptDone(attempt, value, error);
            return;
        }
        AsyncQueryFunction<T> async = options.asyncFunctionOrNull();
        try {
            CompletionStage<T> stage = async == null ? null : async.fetch(attempt);
            if (stage == null) {
                attemptDone(attempt, null, new NullPointerException("async query function of " + query.key
                        + " returned no CompletionStage"));
                return;
            }
            stage.whenComplete((value, error) -> attemptDone(attempt, value,
                    error == null ? null : StorageLayer.unwrap(error)));
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
        Duration retryIn = null;
        long now = client.clock.millis();
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
                client.setState(query, QueryState.success(value, now));
                client.touchGc(query);
            } else {
                client.setState(query, query.state.failedAttempt(attempts, failure));
                if (retryable && attempts <= client.retries(options)) {
                    retryIn = client.retryDelay(options).delay(attempts, failure);
                    if (retryIn == null || retryIn.isNegative()) {
                        retryIn = Duration.ZERO;
                    }
                    retryTimer = client.scheduler.schedule(this::nextAttempt, retryIn);
                } else {
                    done = true;
                    query.inFlight = null;
                    client.setState(query, query.state.failed(failure, now));
                    client.touchGc(query);
                }
            }
        }
        Duration took = Duration.ofMillis(Math.max(0, now - startedAt));
        if (failure == null) {
            client.events.fire(new QueryCacheEvent.FetchSucceeded(query.key, attempts, took));
            // The L2 write is queued before callers resume, so a caller that closes the client right after its
            // fetch still finds the value in L2 on the next start.
            StorageLayer storage = client.storage;
            if (storage != null) {
                TypeRef<T> type;
                synchronized (query) {
                    type = query.type;
                }
                storage.write(query.key, value, type, Instant.ofEpochMilli(now))
                        .whenComplete((ignored, writeError) -> releaseLease());
            }
            deliver(value);
            var onSuccess = options.onSuccessOrNull();
            if (onSuccess != null) {
                client.events.callback("onSuccess", query.key, onSuccess, value);
            }
            settled(value, null);
        } else if (retryIn != null) {
            client.events.fire(new QueryCacheEvent.FetchRetried(query.key, attempts, retryIn, failure));
        } else {
            releaseLease();
            client.events.fire(new QueryCacheEvent.FetchFailed(query.key, attempts, took, failure));
            QueryFetchException fetchFailure = new QueryFetchException(query.key, attempts, failure);
            result.completeExceptionally(fetchFailure);
            firstData.completeExceptionally(fetchFailure);
            var onError = options.onErrorOrNull();
            if (onError != null) {
                client.events.callback("onError", query.key, onError, failure);
            }
            settled(null, failure);
        }
    }

    private void settled(@Nullable T value, @Nullable Throwable failure) {
        var onSettled = options.onSettledOrNull();
        if (onSettled != null) {
            client.events.callback("onSettled", query.key, ignored -> onSettled.accept(value, failure), null);
        }
    }

    /**
     * Stops the fetch: the running attempt is cancelled, no retry follows, waiting callers fail with a
     * {@link CancellationException}, and the query's state goes back to what it was before the fetch (keeping data
     * set meanwhile).
     *
     * @return whether the fetch was still running
     */
    boolean cancel(boolean revertState) {
        Attempt attempt;
        synchronized (query) {
            if (done) {
                return false;
            }
            done = true;
            query.inFlight = null;
            attempt = current;
            if (retryTimer != null) {
                retryTimer.cancel();
            }
            if (revertState) {
                client.setState(query, query.state.cancelled(statusBefore));
                client.touchGc(query);
            }
        }
        if (attempt != null) {
            attempt.cancel();
        }
        releaseLease();
        client.events.fire(new QueryCacheEvent.FetchCancelled(query.key));
        CancellationException cancelled = new CancellationException("fetch of query " + query.key
                + " was cancelled");
        result.completeExceptionally(cancelled);
        firstData.completeExceptionally(cancelled);
        return true;
    }
}
