package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.Test;

/** Hostile or unusual input found by review: each used to break an invariant. */
class QueryKeyLimitsTest {

    enum Color { RED }

    @Test
    void aMapWithAnEnumKeyAndAStringKeyOfTheSameNameIsRejected() {
        Map<Object, Object> clash = new LinkedHashMap<>();
        clash.put(Color.RED, 1);
        clash.put("RED", 2);
        assertThatThrownBy(() -> QueryKey.of(clash)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RED").hasMessageContaining("part 0");
    }

    @Test
    void signedUnicodeEscapesAreNotCanonical() {
        assertThatThrownBy(() -> QueryKey.parse("[\"\\u+041\"]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position");
        assertThatThrownBy(() -> QueryKey.parse("[\"\\u-001\"]")).isInstanceOf(IllegalArgumentException.class);
        assertThat(QueryKey.parse("[\"\\u0041\"]")).isEqualTo(QueryKey.of("A"));
    }

    @Test
    void deepNestingIsAnIllegalArgumentNotAStackOverflow() {
        assertThatThrownBy(() -> QueryKey.parse("[".repeat(100_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper");
        Object nested = "leaf";
        for (int i = 0; i < 10_000; i++) {
            nested = List.of(nested);
        }
        Object deep = nested;
        assertThatThrownBy(() -> QueryKey.of(deep)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper");
        Object ok = "leaf";
        for (int i = 0; i < QueryKey.MAX_DEPTH; i++) {
            ok = List.of(ok);
        }
        QueryKey allowed = QueryKey.of(ok);
        assertThat(QueryKey.parse(allowed.canonical())).isEqualTo(allowed);
    }

    @Test
    void loneSurrogatesKeepDistinctBytesInL2Keys() {
        QueryKey high = QueryKey.of("\uD83D");
        QueryKey low = QueryKey.of("\uDC00");
        byte[] highBytes = high.canonical().getBytes(StandardCharsets.UTF_8);
        byte[] lowBytes = low.canonical().getBytes(StandardCharsets.UTF_8);
        assertThat(highBytes).isNotEqualTo(lowBytes);
        assertThat(QueryKey.parse(high.canonical())).isEqualTo(high);
        assertThat(QueryKey.of("\uD83D\uDE00").canonical()).as("valid pairs stay as they are")
                .isEqualTo("[\"\uD83D\uDE00\"]");
    }

    @Test
    void exponentialBackoffNeitherOverflowsNorSpins() {
        RetryDelay huge = RetryDelay.exponential(Duration.ofMillis(1), Duration.ofMillis(Long.MAX_VALUE));
        for (int n : new int[] {1, 63, 64, 65, 1000, Integer.MAX_VALUE}) {
            assertThat(huge.delay(n, new RuntimeException()).toMillis()).as("failure %d", n).isNotNegative();
        }
        assertThat(huge.delay(Integer.MAX_VALUE, new RuntimeException()).toMillis())
                .isGreaterThanOrEqualTo(Long.MAX_VALUE / 2);
        RetryDelay forever = RetryDelay.exponential(Duration.ofSeconds(1), Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(forever.delay(3, new RuntimeException())).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
        RetryDelay zero = RetryDelay.exponential(Duration.ZERO, Duration.ofSeconds(30));
        assertThat(zero.delay(Integer.MAX_VALUE, new RuntimeException())).isZero();
    }

    @Test
    void aNullSchedulerIsNamedAsTheScheduler() {
        assertThatThrownBy(() -> QueryClient.builder().scheduler((ScheduledExecutorService) null))
                .isInstanceOf(NullPointerException.class).hasMessage("scheduler");
    }
}
