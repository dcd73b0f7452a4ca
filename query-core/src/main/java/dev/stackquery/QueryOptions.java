package dev.stackquery;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * What a caller asks of one query: its key, the function that fetches it, and how to treat its data.
 *
 * <p>A query is shared by key, but options belong to the caller: each {@code fetchQuery} call is judged by its own
 * {@code staleTime}. An option left unset inherits the client's {@link QueryDefaults} when it is used; an option
 * set explicitly is kept even when it equals a default. The accessors return {@code Optional.empty()} for unset
 * options.
 *
 * <p>Immutable and safe to share; build one with {@link #builder(QueryKey, QueryFunction)} (blocking function)
 * or {@link #async(QueryKey, AsyncQueryFunction)} (function returning a future).
 *
 * @param <T> type of the data
 */
public final class QueryOptions<T> {

    // Options a fetch creates its query with stay with the query (for refetches and L2 reads): memory per entry
    // counts, so the options few callers set are kept in an object of their own, absent when none is set.
    private final QueryKey key;
    private final @Nullable QueryFunction<T> function;
    private final @Nullable AsyncQueryFunction<T> asyncFunction;
    final @Nullable Duration staleTime;
    /** {@link #staleTime} in ms for the hit path, or -1 when unset. */
    final long staleMillis;
    final @Nullable Duration gcTime;
    final @Nullable Integer retry;
    private final boolean enabled;
    private final @Nullable TypeRef<T> type;
    private final @Nullable Rare<T> rare;
    /**
     * The {@code Query} these options last found in a client's L1: a hint for the hit path, checked (client,
     * removal) before use. Written and read without synchronisation, like {@link String}'s hash; not part of
     * equality and not copied to derived options.
     */
    @Nullable Object lastQuery;

    /** The options few callers set. */
    private record Rare<T>(@Nullable RetryDelay retryDelay, @Nullable Duration timeout,
            @Nullable Duration refetchInterval, @Nullable T placeholderData, @Nullable T initialData,
            @Nullable UnaryOperator<T> select, @Nullable Consumer<? super T> onSuccess,
            @Nullable Consumer<? super Throwable> onError,
            @Nullable BiConsumer<? super @Nullable T, ? super @Nullable Throwable> onSettled) {

        static <T> @Nullable Rare<T> of(Builder<T> b) {
            return b.retryDelay == null && b.timeout == null && b.refetchInterval == null
                    && b.placeholderData == null && b.initialData == null && b.select == null && b.onSuccess == null
                    && b.onError == null && b.onSettled == null ? null
                    : new Rare<>(b.retryDelay, b.timeout, b.refetchInterval, b.placeholderData, b.initialData,
                            b.select, b.onSuccess, b.onError, b.onSettled);
        }
    }

    private QueryOptions(Builder<T> b) {
        this.key = b.key;
        this.function = b.function;
        this.asyncFunction = b.asyncFunction;
        this.staleTime = b.staleTime;
        this.staleMillis = b.staleTime == null ? -1 : Durations.toMillisSaturated(b.staleTime);
        this.gcTime = b.gcTime;
        this.retry = b.retry;
        this.enabled = b.enabled;
        this.type = b.type;
        this.rare = Rare.of(b);
    }

    /** Starts options for a blocking query function. */
    public static <T> Builder<T> builder(QueryKey key, QueryFunction<T> function) {
        return new Builder<>(Objects.requireNonNull(key, "key"), Objects.requireNonNull(function, "function"), null);
    }

    /** Starts options for a query function that returns a future. */
    public static <T> Builder<T> async(QueryKey key, AsyncQueryFunction<T> function) {
        return new Builder<>(Objects.requireNonNull(key, "key"), null, Objects.requireNonNull(function, "function"));
    }

    /** Options with a blocking function and every other option inherited. */
    public static <T> QueryOptions<T> of(QueryKey key, QueryFunction<T> function) {
        return builder(key, function).build();
    }

    /** A builder holding these options, to derive variants. */
    public Builder<T> toBuilder() {
        Builder<T> b = new Builder<>(key, function, asyncFunction);
        b.staleTime = staleTime;
        b.gcTime = gcTime;
        b.retry = retry;
        b.enabled = enabled;
        b.type = type;
        if (rare != null) {
            b.retryDelay = rare.retryDelay();
            b.timeout = rare.timeout();
            b.refetchInterval = rare.refetchInterval();
            b.placeholderData = rare.placeholderData();
            b.initialData = rare.initialData();
            b.select = rare.select();
            b.onSuccess = rare.onSuccess();
            b.onError = rare.onError();
            b.onSettled = rare.onSettled();
        }
        return b;
    }

    /** The query's key. */
    public QueryKey key() {
        return key;
    }

    /** The blocking function, when the options were made with {@link #builder}. */
    public Optional<QueryFunction<T>> function() {
        return Optional.ofNullable(function);
    }

    /** The future-returning function, when the options were made with {@link #async}. */
    public Optional<AsyncQueryFunction<T>> asyncFunction() {
        return Optional.ofNullable(asyncFunction);
    }

    /** How long data stays fresh for this caller, if set. */
    public Optional<Duration> staleTime() {
        return Optional.ofNullable(staleTime);
    }

    /** How long the query stays in L1 after it became inactive, if set. */
    public Optional<Duration> gcTime() {
        return Optional.ofNullable(gcTime);
    }

    /** How many retries a failed fetch gets, if set. */
    public Optional<Integer> retry() {
        return Optional.ofNullable(retry);
    }

    /** Delay before each retry, if set. */
    public Optional<RetryDelay> retryDelay() {
        return Optional.ofNullable(retryDelayOrNull());
    }

    /** Time limit of each attempt, if set. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeoutOrNull());
    }

    /** Whether observers may fetch this query on their own (default true). */
    public boolean enabled() {
        return enabled;
    }

    /** Interval at which observers refetch, if set. */
    public Optional<Duration> refetchInterval() {
        return Optional.ofNullable(refetchIntervalOrNull());
    }

    /** Data shown to observers while the query is pending; never cached. */
    public Optional<T> placeholderData() {
        return Optional.ofNullable(placeholderDataOrNull());
    }

    /** Data the query starts with when it is created by these options; cached like fetched data. */
    public Optional<T> initialData() {
        return Optional.ofNullable(initialDataOrNull());
    }

    /** Declared type of the data, needed to read it back from L2; without it the query stays in L1. */
    public Optional<TypeRef<T>> type() {
        return Optional.ofNullable(type);
    }

    /**
     * Transformation each observer made from these options applies to the data it shows; the cache keeps the
     * untransformed data. {@link QueryClient#watch(QueryOptions, java.util.function.Function)} takes one that
     * changes the type.
     */
    public Optional<UnaryOperator<T>> select() {
        return Optional.ofNullable(rare == null ? null : rare.select());
    }

    /** Called once when a fetch started with these options succeeds. */
    public Optional<Consumer<? super T>> onSuccess() {
        return Optional.ofNullable(onSuccessOrNull());
    }

    /** Called once when a fetch started with these options fails after its retries. */
    public Optional<Consumer<? super Throwable>> onError() {
        return Optional.ofNullable(onErrorOrNull());
    }

    /** Called once when a fetch started with these options ends, after {@code onSuccess} or {@code onError}. */
    public Optional<BiConsumer<? super @Nullable T, ? super @Nullable Throwable>> onSettled() {
        return Optional.ofNullable(onSettledOrNull());
    }

    @Nullable QueryFunction<T> functionOrNull() {
        return function;
    }

    @Nullable AsyncQueryFunction<T> asyncFunctionOrNull() {
        return asyncFunction;
    }

    @Nullable TypeRef<T> typeOrNull() {
        return type;
    }

    @Nullable RetryDelay retryDelayOrNull() {
        return rare == null ? null : rare.retryDelay();
    }

    @Nullable Duration timeoutOrNull() {
        return rare == null ? null : rare.timeout();
    }

    @Nullable T placeholderDataOrNull() {
        return rare == null ? null : rare.placeholderData();
    }

    @Nullable Duration refetchIntervalOrNull() {
        return rare == null ? null : rare.refetchInterval();
    }

    @Nullable T initialDataOrNull() {
        return rare == null ? null : rare.initialData();
    }

    @Nullable Consumer<? super T> onSuccessOrNull() {
        return rare == null ? null : rare.onSuccess();
    }

    @Nullable Consumer<? super Throwable> onErrorOrNull() {
        return rare == null ? null : rare.onError();
    }

    @Nullable BiConsumer<? super @Nullable T, ? super @Nullable Throwable> onSettledOrNull() {
        return rare == null ? null : rare.onSettled();
    }

    @Override
    public String toString() {
        return "QueryOptions[key=" + key + ", staleTime=" + staleTime + ", gcTime=" + gcTime + ", retry=" + retry
                + ", timeout=" + timeoutOrNull() + ", enabled=" + enabled + ", type=" + type + "]";
    }

    /**
     * Builds {@link QueryOptions}. Each setter checks its value at once and names the option when it is bad. Not
     * thread-safe.
     *
     * @param <T> type of the data
     */
    public static final class Builder<T> {

        private final QueryKey key;
        private final @Nullable QueryFunction<T> function;
        private final @Nullable AsyncQueryFunction<T> asyncFunction;
        private @Nullable Duration staleTime;
        private @Nullable Duration gcTime;
        private @Nullable Integer retry;
        private @Nullable RetryDelay retryDelay;
        private @Nullable Duration timeout;
        private boolean enabled = true;
        private @Nullable Duration refetchInterval;
        private @Nullable T placeholderData;
        private @Nullable T initialData;
        private @Nullable TypeRef<T> type;
        private @Nullable UnaryOperator<T> select;
        private @Nullable Consumer<? super T> onSuccess;
        private @Nullable Consumer<? super Throwable> onError;
        private @Nullable BiConsumer<? super @Nullable T, ? super @Nullable Throwable> onSettled;

        private Builder(QueryKey key, @Nullable QueryFunction<T> function, @Nullable AsyncQueryFunction<T> async) {
            this.key = key;
            this.function = function;
            this.asyncFunction = async;
        }

        /** How long data stays fresh; {@code Duration.ofSeconds(Long.MAX_VALUE)} means forever. Not negative. */
        public Builder<T> staleTime(Duration staleTime) {
            this.staleTime = Durations.requireNonNegative(staleTime, "staleTime");
            return this;
        }

        /** How long the query stays in L1 once inactive. Not negative. */
        public Builder<T> gcTime(Duration gcTime) {
            this.gcTime = Durations.requireNonNegative(gcTime, "gcTime");
            return this;
        }

        /** How many times a failed fetch is retried; 0 disables retries. Not negative. */
        public Builder<T> retry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /** Delay before each retry. */
        public Builder<T> retryDelay(RetryDelay retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
            return this;
        }

        /** Time limit of each attempt; a late attempt is cancelled and counts as a failure. Positive. */
        public Builder<T> timeout(Duration timeout) {
            this.timeout = Durations.requirePositive(timeout, "timeout");
            return this;
        }

        /** Whether observers fetch on their own; explicit fetches ignore it. */
        public Builder<T> enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Interval at which observers refetch while subscribed. Positive. */
        public Builder<T> refetchInterval(Duration refetchInterval) {
            this.refetchInterval = Durations.requirePositive(refetchInterval, "refetchInterval");
            return this;
        }

        /** Data shown to observers while pending; never cached, never written to L2. */
        public Builder<T> placeholderData(T placeholderData) {
            this.placeholderData = Objects.requireNonNull(placeholderData, "placeholderData");
            return this;
        }

        /** Data the query starts with when these options create it; treated as fetched now. */
        public Builder<T> initialData(T initialData) {
            this.initialData = Objects.requireNonNull(initialData, "initialData");
            return this;
        }

        /** Declared type of the data, for the L2 codec. */
        public Builder<T> type(Class<T> type) {
            this.type = TypeRef.of(Objects.requireNonNull(type, "type"));
            return this;
        }

        /** Declared generic type of the data, for the L2 codec. */
        public Builder<T> type(TypeRef<T> type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** Transformation observers apply to the data they show; the cache keeps the original. */
        public Builder<T> select(UnaryOperator<T> select) {
            this.select = Objects.requireNonNull(select, "select");
            return this;
        }

        /** Called once per successful fetch started with these options; a callback that throws is isolated. */
        public Builder<T> onSuccess(Consumer<? super T> onSuccess) {
            this.onSuccess = Objects.requireNonNull(onSuccess, "onSuccess");
            return this;
        }

        /** Called once per failed fetch started with these options; a callback that throws is isolated. */
        public Builder<T> onError(Consumer<? super Throwable> onError) {
            this.onError = Objects.requireNonNull(onError, "onError");
            return this;
        }

        /** Called once per settled fetch started with these options, with the data or the error. */
        public Builder<T> onSettled(BiConsumer<? super @Nullable T, ? super @Nullable Throwable> onSettled) {
            this.onSettled = Objects.requireNonNull(onSettled, "onSettled");
            return this;
        }

        /** The options. */
        public QueryOptions<T> build() {
            return new QueryOptions<>(this);
        }
    }
}
