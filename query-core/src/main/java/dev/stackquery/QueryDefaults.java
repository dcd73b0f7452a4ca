package dev.stackquery;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The option values a client uses for every query option left unset. Immutable; build one with
 * {@link #builder()}, or take {@link #standard()}.
 *
 * <p>Standard values: {@code staleTime} 0 (data is stale at once, as in TanStack Query), {@code gcTime} 5 minutes,
 * {@code retry} 3, {@code retryDelay} {@link RetryDelay#exponential()}, no {@code timeout}.
 */
public final class QueryDefaults {

    private static final QueryDefaults STANDARD = builder().build();

    private final Duration staleTime;
    private final Duration gcTime;
    private final int retry;
    private final RetryDelay retryDelay;
    private final @Nullable Duration timeout;

    private QueryDefaults(Builder builder) {
        this.staleTime = builder.staleTime;
        this.gcTime = builder.gcTime;
        this.retry = builder.retry;
        this.retryDelay = builder.retryDelay;
        this.timeout = builder.timeout;
    }

    /** The standard defaults. */
    public static QueryDefaults standard() {
        return STANDARD;
    }

    /** A builder starting from the standard values. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.staleTime = staleTime;
        b.gcTime = gcTime;
        b.retry = retry;
        b.retryDelay = retryDelay;
        b.timeout = timeout;
        return b;
    }

    /** How long data stays fresh after it was fetched or set. */
    public Duration staleTime() {
        return staleTime;
    }

    /** How long an unused query stays in L1 after it became inactive. */
    public Duration gcTime() {
        return gcTime;
    }

    /** How many times a failed fetch is retried (0 = never). */
    public int retry() {
        return retry;
    }

    /** Delay before each retry. */
    public RetryDelay retryDelay() {
        return retryDelay;
    }

    /** Time limit of each attempt, if any. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    @Override
    public String toString() {
        return "QueryDefaults[staleTime=" + staleTime + ", gcTime=" + gcTime + ", retry=" + retry + ", timeout="
                + timeout + "]";
    }

    /** Builds {@link QueryDefaults}; each setter checks its value at once and names it when it is bad. */
    public static final class Builder {

        private Duration staleTime = Duration.ZERO;
        private Duration gcTime = Duration.ofMinutes(5);
        private int retry = 3;
        private RetryDelay retryDelay = RetryDelay.exponential();
        private @Nullable Duration timeout;

        private Builder() {
        }

        /** Sets {@code staleTime}; must not be negative. */
        public Builder staleTime(Duration staleTime) {
            this.staleTime = Durations.requireNonNegative(staleTime, "staleTime");
            return this;
        }

        /** Sets {@code gcTime}; must not be negative. */
        public Builder gcTime(Duration gcTime) {
            this.gcTime = Durations.requireNonNegative(gcTime, "gcTime");
            return this;
        }

        /** Sets {@code retry}; must not be negative. */
        public Builder retry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /** Sets {@code retryDelay}. */
        public Builder retryDelay(RetryDelay retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
            return this;
        }

        /** Sets the per-attempt {@code timeout}; must be positive, or null for none. */
        public Builder timeout(@Nullable Duration timeout) {
            this.timeout = timeout == null ? null : Durations.requirePositive(timeout, "timeout");
            return this;
        }

        /** The defaults. */
        public QueryDefaults build() {
            return new QueryDefaults(this);
        }
    }
}
