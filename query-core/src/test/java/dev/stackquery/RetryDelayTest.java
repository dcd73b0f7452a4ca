package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// A delay computed by looping once per failure could hang on a huge failure count rather than fail.
@Timeout(10)
class RetryDelayTest {

    private static final RuntimeException ERROR = new RuntimeException("boom");
    private static final int SAMPLES = 500;

    @Test
    void exponentialDelayLiesBetweenHalfAndAllOfItsCappedCeiling() {
        RetryDelay delay = RetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));

        for (int failureCount = 1; failureCount <= 40; failureCount++) {
            long ceiling = expectedCeilingMillis(1_000, 30_000, failureCount);
            for (int sample = 0; sample < SAMPLES; sample++) {
                long millis = delay.delay(failureCount, ERROR).toMillis();
                assertThat(millis).as("delay after %d failures", failureCount).isBetween(ceiling / 2, ceiling);
            }
        }
    }

    @Test
    void exponentialCeilingDoublesUntilTheCap() {
        assertThat(expectedCeilingMillis(1_000, 30_000, 1)).isEqualTo(1_000);
        RetryDelay delay = RetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));

        // The largest of many samples approaches the ceiling, so these pin the doubling itself.
        assertThat(maxOf(delay, 1)).isBetween(900L, 1_000L);
        assertThat(maxOf(delay, 2)).isBetween(1_800L, 2_000L);
        assertThat(maxOf(delay, 5)).isBetween(14_400L, 16_000L);
        assertThat(maxOf(delay, 6)).isBetween(27_000L, 30_000L);
        assertThat(maxOf(delay, 40)).isBetween(27_000L, 30_000L);
        assertThat(maxOf(delay, Integer.MAX_VALUE)).isBetween(27_000L, 30_000L);
    }

    @Test
    void exponentialDelayIsJittered() {
        RetryDelay delay = RetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));
        Set<Duration> seen = new HashSet<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;

        for (int i = 0; i < 1_000; i++) {
            Duration d = delay.delay(4, ERROR);
            seen.add(d);
            min = Math.min(min, d.toMillis());
            max = Math.max(max, d.toMillis());
        }

        assertThat(seen).hasSizeGreaterThan(100);
        assertThat(min).isLessThan(4_800);
        assertThat(max).isGreaterThan(7_200);
    }

    @Test
    void exponentialStaysWithinTheCapForEveryFailureCount() {
        RetryDelay delay = RetryDelay.exponential(Duration.ofMillis(3), Duration.ofMillis(1_000));

        for (int failureCount = 1; failureCount <= 70; failureCount++) {
            long ceiling = expectedCeilingMillis(3, 1_000, failureCount);
            for (int sample = 0; sample < 50; sample++) {
                assertThat(delay.delay(failureCount, ERROR).toMillis()).as("after %d failures", failureCount)
                        .isBetween(ceiling / 2, ceiling);
            }
        }
    }

    @Test
    void baseAboveTheCapIsCapped() {
        RetryDelay delay = RetryDelay.exponential(Duration.ofSeconds(10), Duration.ofSeconds(2));

        for (int i = 0; i < SAMPLES; i++) {
            assertThat(delay.delay(1, ERROR)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        }
    }

    @Test
    void zeroBaseOrCapGivesNoDelay() {
        assertThat(RetryDelay.exponential(Duration.ZERO, Duration.ofSeconds(30)).delay(5, ERROR)).isZero();
        assertThat(RetryDelay.exponential(Duration.ofSeconds(1), Duration.ZERO).delay(5, ERROR)).isZero();
    }

    @Test
    void defaultExponentialIsOneSecondCappedAtThirty() {
        RetryDelay delay = RetryDelay.exponential();

        for (int i = 0; i < SAMPLES; i++) {
            assertThat(delay.delay(1, ERROR)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            assertThat(delay.delay(20, ERROR)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
        }
        assertThat(maxOf(delay, 20)).isGreaterThan(27_000L);
    }

    @Test
    void fixedDelayIsTheSameForEveryRetry() {
        RetryDelay delay = RetryDelay.fixed(Duration.ofMillis(250));

        for (int failureCount = 1; failureCount <= 40; failureCount++) {
            assertThat(delay.delay(failureCount, ERROR)).isEqualTo(Duration.ofMillis(250));
        }
        assertThat(RetryDelay.fixed(Duration.ZERO).delay(3, ERROR)).isZero();
    }

    @Test
    void negativeArgumentsAreRejected() {
        assertThatThrownBy(() -> RetryDelay.exponential(Duration.ofSeconds(-1), Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base");
        assertThatThrownBy(() -> RetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(-30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max");
        assertThatThrownBy(() -> RetryDelay.fixed(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> RetryDelay.exponential(null, Duration.ofSeconds(30)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("base");
        assertThatThrownBy(() -> RetryDelay.exponential(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("max");
        assertThatThrownBy(() -> RetryDelay.fixed(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("delay");
    }

    /** {@code min(max, base · 2^(failureCount-1))}, computed without overflow. */
    private static long expectedCeilingMillis(long base, long max, int failureCount) {
        int shift = failureCount - 1;
        if (shift >= 62 || base > (max >> Math.min(shift, 62))) {
            return max;
        }
        return Math.min(max, base << shift);
    }

    private static long maxOf(RetryDelay delay, int failureCount) {
        long max = 0;
        for (int i = 0; i < 2_000; i++) {
            max = Math.max(max, delay.delay(failureCount, ERROR).toMillis());
        }
        return max;
    }
}
