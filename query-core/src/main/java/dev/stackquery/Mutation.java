package dev.stackquery;

import java.util.concurrent.CompletableFuture;

/**
 * A reusable write, made by {@link QueryClient#mutation(MutationOptions)}.
 *
 * <p>Each {@link #mutate} runs, in this order: {@code onMutate} (its return value is the context, typically what
 * is needed to roll an optimistic update back), the function with its retries, then {@code onSuccess} or
 * {@code onError}, then {@code onSettled}, then (on success) the invalidation of the options' filters. The future
 * completes after all of that, with the function's result or its failure. If {@code onMutate} throws, the function
 * does not run and the mutation fails with that error. {@code onSuccess}, {@code onError} and {@code onSettled}
 * that throw are isolated and reported as {@link QueryCacheEvent.ListenerFailed}.
 *
 * <p>Runs of one mutation may overlap; {@link #getState()} shows the latest one to start. Thread-safe.
 *
 * @param <V> type of the variables
 * @param <R> type of the result
 * @param <C> type of the context returned by {@code onMutate}
 */
public interface Mutation<V, R, C> {

    /** Runs the mutation with {@code variables}. */
    CompletableFuture<R> mutate(V variables);

    /** State of the latest run. */
    MutationState<V, R> getState();

    /** Forgets the latest run's state (a running run still completes its future). */
    void reset();

    /** The options it runs with. */
    MutationOptions<V, R, C> options();
}
