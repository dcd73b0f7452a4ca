package dev.stackquery;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link Mutation} does: its function, its lifecycle callbacks, its retries and the queries it invalidates
 * on success. Immutable; build with {@link #builder(MutationFunction)} or {@link #async(Function)}.
 *
 * @param <V> type of the variables
 * @param <R> type of the result
 * @param <C> type of the context {@code onMutate} returns (use {@code Void} when there is none)
 */
public final class MutationOptions<V, R, C> {

    /** Runs before the function; returns the context handed to the other callbacks (may be null). */
    @FunctionalInterface
    public interface OnMutate<V, C> {
        /** Prepares the run, e.g. an optimistic {@code setQueryData}; throwing fails the mutation. */
        @Nullable C onMutate(V variables) throws Exception;
    }

    /** Runs after a successful function. */
    @FunctionalInterface
    public interface OnSuccess<V, R, C> {
        /** Handles the result. */
        void onSuccess(@Nullable R data, V variables, @Nullable C context);
    }

    /** Runs after a failed function (after its retries), or a failed {@code onMutate}. */
    @FunctionalInterface
    public interface OnError<V, C> {
        /** Handles the failure, e.g. rolls back an optimistic update from the context. */
        void onError(Throwable error, V variables, @Nullable C context);
    }

    /** Runs last, after success or failure. */
    @FunctionalInterface
    public interface OnSettled<V, R, C> {
        /** Handles the end of the run; exactly one of {@code data} / {@code error} is meaningful. */
        void onSettled(@Nullable R data, @Nullable Throwable error, V variables, @Nullable C context);
    }

    private final @Nullable MutationFunction<V, R> function;
    private final @Nullable Function<? super V, ? extends CompletionStage<R>> asyncFunction;
    private final @Nullable OnMutate<V, C> onMutate;
    private final @Nullable OnSuccess<V, R, C> onSuccess;
    private final @Nullable OnError<V, C> onError;
    private final @Nullable OnSettled<V, R, C> onSettled;
    private final @Nullable QueryKey mutationKey;
    private final @Nullable Integer retry;
    private final @Nullable RetryDelay retryDelay;
    private final List<QueryFilter> invalidates;

    private MutationOptions(Builder<V, R, C> b) {
        this.mutationKey = b.mutationKey;
        this.function = b.function;
        this.asyncFunction = b.asyncFunction;
        this.onMutate = b.onMutate;
        this.onSuccess = b.onSuccess;
        this.onError = b.onError;
        this.onSettled = b.onSettled;
        this.retry = b.retry;
        this.retryDelay = b.retryDelay;
        this.invalidates = List.copyOf(b.invalidates);
    }

    /** These options with the unset ones taken from {@code defaults}, and the defaults' invalidations added. */
    MutationOptions<V, R, C> withDefaults(MutationDefaults defaults) {
        Builder<V, R, C> b = new Builder<>(function, asyncFunction);
        b.mutationKey = mutationKey;
        b.onMutate = onMutate;
        b.onSuccess = onSuccess;
        b.onError = onError;
        b.onSettled = onSettled;
        b.retry = retry != null ? retry : defaults.retryOrNull();
        b.retryDelay = retryDelay != null ? retryDelay : defaults.retryDelay().orElse(null);
        b.invalidates.addAll(MutationDefaults.union(defaults.invalidates(), invalidates));
        return b.build();
    }

    /** Starts options for a blocking function. */
    public static <V, R, C> Builder<V, R, C> builder(MutationFunction<V, R> function) {
        return new Builder<>(Objects.requireNonNull(function, "function"), null);
    }

    /** Starts options for a function that returns a future. */
    public static <V, R, C> Builder<V, R, C> async(Function<? super V, ? extends CompletionStage<R>> function) {
        return new Builder<>(null, Objects.requireNonNull(function, "function"));
    }

    /**
     * The mutation's key, if it has one: it names the mutation for {@link QueryClient#isMutating(QueryFilter)} and
     * picks the {@linkplain QueryClient#setMutationDefaults client's mutation defaults} that apply to it.
     */
    public Optional<QueryKey> mutationKey() {
        return Optional.ofNullable(mutationKey);
    }

    /** How many times a failed function is retried (default 0, or the mutation defaults' when they set it). */
    public int retry() {
        return retry == null ? 0 : retry;
    }

    /** Delay before each retry, if set (else the client's default). */
    public Optional<RetryDelay> retryDelay() {
        return Optional.ofNullable(retryDelay);
    }

    /** Filters invalidated after a successful run. */
    public List<QueryFilter> invalidates() {
        return invalidates;
    }

    @Nullable MutationFunction<V, R> functionOrNull() {
        return function;
    }

    @Nullable Function<? super V, ? extends CompletionStage<R>> asyncFunctionOrNull() {
        return asyncFunction;
    }

    @Nullable OnMutate<V, C> onMutateOrNull() {
        return onMutate;
    }

    @Nullable OnSuccess<V, R, C> onSuccessOrNull() {
        return onSuccess;
    }

    @Nullable OnError<V, C> onErrorOrNull() {
        return onError;
    }

    @Nullable OnSettled<V, R, C> onSettledOrNull() {
        return onSettled;
    }

    @Nullable RetryDelay retryDelayOrNull() {
        return retryDelay;
    }

    /**
     * Builds {@link MutationOptions}. Not thread-safe.
     *
     * @param <V> type of the variables
     * @param <R> type of the result
     * @param <C> type of the context
     */
    public static final class Builder<V, R, C> {

        private final @Nullable MutationFunction<V, R> function;
        private final @Nullable Function<? super V, ? extends CompletionStage<R>> asyncFunction;
        private @Nullable OnMutate<V, C> onMutate;
        private @Nullable OnSuccess<V, R, C> onSuccess;
        private @Nullable OnError<V, C> onError;
        private @Nullable OnSettled<V, R, C> onSettled;
        private @Nullable QueryKey mutationKey;
        private @Nullable Integer retry;
        private @Nullable RetryDelay retryDelay;
        private final List<QueryFilter> invalidates = new ArrayList<>();

        private Builder(@Nullable MutationFunction<V, R> function,
                @Nullable Function<? super V, ? extends CompletionStage<R>> asyncFunction) {
            this.function = function;
            this.asyncFunction = asyncFunction;
        }

        /** Names the mutation (see {@link MutationOptions#mutationKey()}). */
        public Builder<V, R, C> mutationKey(QueryKey mutationKey) {
            this.mutationKey = Objects.requireNonNull(mutationKey, "mutationKey");
            return this;
        }

        /** Runs before the function; its result is the context of the other callbacks. */
        public Builder<V, R, C> onMutate(OnMutate<V, C> onMutate) {
            this.onMutate = Objects.requireNonNull(onMutate, "onMutate");
            return this;
        }

        /** Runs after success. */
        public Builder<V, R, C> onSuccess(OnSuccess<V, R, C> onSuccess) {
            this.onSuccess = Objects.requireNonNull(onSuccess, "onSuccess");
            return this;
        }

        /** Runs after failure. */
        public Builder<V, R, C> onError(OnError<V, C> onError) {
            this.onError = Objects.requireNonNull(onError, "onError");
            return this;
        }

        /** Runs last. */
        public Builder<V, R, C> onSettled(OnSettled<V, R, C> onSettled) {
            this.onSettled = Objects.requireNonNull(onSettled, "onSettled");
            return this;
        }

        /** Retries of a failed function (default 0, or the mutation defaults'). Not negative. */
        public Builder<V, R, C> retry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /** Delay before each retry (default: the mutation defaults', else the client's). */
        public Builder<V, R, C> retryDelay(RetryDelay retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
            return this;
        }

        /** Queries to invalidate after a successful run; the run completes when they are invalidated. */
        public Builder<V, R, C> invalidates(QueryFilter... filters) {
            Objects.requireNonNull(filters, "filters");
            for (QueryFilter filter : filters) {
                invalidates.add(Objects.requireNonNull(filter, "filter"));
            }
            return this;
        }

        /** The options. */
        public MutationOptions<V, R, C> build() {
            return new MutationOptions<>(this);
        }
    }
}
