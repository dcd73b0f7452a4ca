package dev.stackquery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * The {@link Mutation}. Each run is a chain of steps on the client's executor, with retries waiting on the
 * client's scheduler; runs share nothing but {@link #state}, which only the latest run to start may write (a run
 * number tells them apart).
 */
final class DefaultMutation<V, R, C> implements Mutation<V, R, C> {

    private final DefaultQueryClient client;
    private final MutationOptions<V, R, C> options;
    private final AtomicLong runs = new AtomicLong();
    private volatile MutationState<V, R> state = MutationState.idle();

    DefaultMutation(DefaultQueryClient client, MutationOptions<V, R, C> options) {
        this.client = client;
        this.options = options;
    }

    @Override
    public CompletableFuture<R> mutate(V variables) {
        client.checkOpen();
        Run run = new Run(runs.incrementAndGet(), variables, Instant.ofEpochMilli(client.clock.millis()));
        run.publish(MutationStatus.PENDING, null, null, 0, null);
        client.mutationStarted(run);
        try {
            client.executor.execute(run::begin);
        } catch (RejectedExecutionException e) {
            run.fail(e, null);
        }
        return run.result;
    }

    @Override
    public MutationState<V, R> getState() {
        return state;
    }

    @Override
    public void reset() {
        runs.incrementAndGet(); // a run still going no longer owns the state
        state = MutationState.idle();
    }

    @Override
    public MutationOptions<V, R, C> options() {
        return options;
    }

    /** One run of the mutation; the client counts the runs in progress by their {@link #mutationKey()}. */
    final class Run {
        final long id;
        final V variables;
        final Instant submittedAt;
        final CompletableFuture<R> result = new CompletableFuture<>();
        @Nullable C context;

        Run(long id, V variables, Instant submittedAt) {
            this.id = id;
            this.variables = variables;
            this.submittedAt = submittedAt;
        }

        @Nullable QueryKey mutationKey() {
            return options.mutationKey().orElse(null);
        }

        void publish(MutationStatus status, @Nullable R data, @Nullable Throwable error, int failures,
                @Nullable Throwable failureReason) {
            synchronized (DefaultMutation.this) {
                if (runs.get() == id) {
                    state = new MutationState<>(status, variables, data, error, failures, failureReason,
                            submittedAt);
                }
            }
        }

        void begin() {
            var onMutate = options.onMutateOrNull();
            if (onMutate != null) {
                try {
                    context = onMutate.onMutate(variables);
                } catch (Exception | Error e) {
                    CacheEvents.rethrowFatal(e);
                    fail(e, null);
                    return;
                }
            }
            attempt(1);
        }

        void attempt(int number) {
            MutationFunction<V, R> blocking = options.functionOrNull();
            if (blocking != null) {
                R value;
                try {
                    value = blocking.mutate(variables);
                } catch (Exception | Error e) {
                    CacheEvents.rethrowFatal(e);
                    failed(number, e);
                    return;
                }
                succeed(value);
                return;
            }
            try {
                CompletionStage<R> stage = options.asyncFunctionOrNull().apply(variables);
                if (stage == null) {
                    failed(number, new NullPointerException("async mutation function returned no CompletionStage"));
                    return;
                }
                stage.whenComplete((value, error) -> {
                    if (error != null) {
                        failed(number, Futures.unwrap(error));
                    } else {
                        succeed(value);
                    }
                });
            } catch (RuntimeException | Error e) {
                CacheEvents.rethrowFatal(e);
                failed(number, e);
            }
        }

        void failed(int number, Throwable error) {
            if (number > options.retry()) {
                fail(error, number);
                return;
            }
            // As in TanStack Query: the error shows only once no retry follows; until then it is the failure reason.
            publish(MutationStatus.PENDING, null, null, number, error);
            RetryDelay delay = options.retryDelayOrNull() != null ? options.retryDelayOrNull()
                    : client.defaults().retryDelay();
            Duration wait = delay.delay(number, error);
            client.scheduler.schedule(() -> {
                try {
                    client.executor.execute(() -> attempt(number + 1));
                } catch (RejectedExecutionException e) {
                    fail(e, number);
                }
            }, wait == null || wait.isNegative() ? Duration.ZERO : wait);
        }

        void succeed(@Nullable R value) {
            QueryKey key = QueryKey.of();
            var onSuccess = options.onSuccessOrNull();
            if (onSuccess != null) {
                client.events.callback("mutation onSuccess", key, v -> onSuccess.onSuccess(value, variables, context),
                        null);
            }
            settled(value, null);
            List<CompletableFuture<Void>> invalidations = new ArrayList<>();
            for (QueryFilter filter : options.invalidates()) {
                invalidations.add(client.invalidateQueries(filter));
            }
            // Pending (and counted by isMutating) until its invalidations are done, as TanStack Query keeps a mutation
            // pending while its onSuccess awaits them: whoever sees it settled sees the refetched queries.
            CompletableFuture.allOf(invalidations.toArray(CompletableFuture[]::new))
                    .whenComplete((ignored, error) -> {
                        publish(MutationStatus.SUCCESS, value, null, 0, null);
                        client.mutationEnded(this);
                        result.complete(value);
                    });
        }

        void fail(Throwable error, @Nullable Integer attempts) {
            QueryKey key = QueryKey.of();
            var onError = options.onErrorOrNull();
            if (onError != null) {
                client.events.callback("mutation onError", key, v -> onError.onError(error, variables, context),
                        null);
            }
            settled(null, error);
            publish(MutationStatus.ERROR, null, error, attempts == null ? 0 : attempts, error);
            client.mutationEnded(this);
            result.completeExceptionally(error);
        }

        private void settled(@Nullable R value, @Nullable Throwable error) {
            var onSettled = options.onSettledOrNull();
            if (onSettled != null) {
                client.events.callback("mutation onSettled", QueryKey.of(),
                        v -> onSettled.onSettled(value, error, variables, context), null);
            }
        }
    }
}
