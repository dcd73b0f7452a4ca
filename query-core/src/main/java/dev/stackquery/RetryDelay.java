package dev.stackquery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before a retry, given how many attempts have failed so far.
 */
@FunctionalInterface
public interface RetryDelay {

    /**
     * Delay before the next attempt.
     *
     * @param failureCount attempts failed so far (1 before the first retry)
     * @param error the last failure
     * @return a non-negative delay
     */
    Duration delay(int failureCount, Throwable error);

    /**
     * The default: {@code base · 2^(failureCount-1)} capped at {@code max}, with "equal jitter" (a random value
     * between half and all of it) so that many clients failing together do not retry together.
     */
    static RetryDelay exponential(Duration base, Duration max) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (base.isNegative() || max.isNegative()) {
            throw new IllegalArgumentException("retry delays must not be negative: base=" + base + ", max=" + max);
        }
        long baseMillis = Durations.toMillisSaturated(base);
        long maxMillis = Durations.toMillisSaturated(max);
        return (failureCount, error) -> {
            long ceiling = Math.min(baseMillis, maxMillis);
            // Doubling stops at max (or when there is nothing to double), so it can neither overflow nor spin.
            for (int i = 1; i < failureCount && ceiling > 0 && ceiling < maxMillis; i++) {
                ceiling = ceiling > maxMillis / 2 ? maxMillis : ceiling * 2;
            }
            long half = ceiling / 2;
            return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
        };
    }

    /** {@code exponential(1s, 30s)}, the TanStack Query default. */
    static RetryDelay exponential() {
        return exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** The same delay before every retry. */
    static RetryDelay fixed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("retry delay must not be negative: " + delay);
        }
        return (failureCount, error) -> delay;
    }
}
