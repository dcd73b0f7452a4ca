package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The default clock: never ahead of the system clock, never going back, current again after it idled. */
class CoarseClockTest {

    // A clock of its own: nothing else in this JVM reads it, so it parks when the test lets it idle.
    private final CoarseClock clock = new CoarseClock();

    @Test
    void readsFollowTheSystemClockWithoutGoingAheadOrBack() {
        long previous = Long.MIN_VALUE;
        long end = System.nanoTime() + Duration.ofMillis(50).toNanos();
        while (System.nanoTime() < end) {
            long read = clock.millis();
            long system = System.currentTimeMillis();
            assertThat(read).as("never ahead").isLessThanOrEqualTo(system);
            assertThat(read).as("never back").isGreaterThanOrEqualTo(previous);
            previous = read;
        }
        long before = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(() -> clock.millis() > before);
    }

    @Test
    void afterAnIdleSecondTheTickerParksAndTheNextReadIsCurrentAndWakesIt() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !clock.isTicking());
        long before = System.currentTimeMillis();
        long read = clock.millis();
        assertThat(read).isBetween(before, System.currentTimeMillis());
        assertThat(clock.isTicking()).as("the read woke it").isTrue();
    }
}
