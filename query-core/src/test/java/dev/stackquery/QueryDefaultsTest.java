package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class QueryDefaultsTest {

    private static final IllegalStateException ERROR = new IllegalStateException("boom");

    @Test
    void standardValuesMatchTanStackQuery() {
        QueryDefaults standard = QueryDefaults.standard();

        assertThat(standard.staleTime()).isEqualTo(Duration.ZERO);
        assertThat(standard.gcTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(standard.retry()).isEqualTo(3);
        assertThat(standard.timeout()).isEmpty();
    }

    @Test
    void standardRetryDelayIsExponentialFromOneSecondCappedAtThirty() {
        RetryDelay delay = QueryDefaults.standard().retryDelay();

        for (int i = 0; i < 200; i++) {
            assertThat(delay.delay(1, ERROR)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            assertThat(delay.delay(3, ERROR)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
            assertThat(delay.delay(10, ERROR)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
        }
    }

    @Test
    void builderStartsFromTheStandardValues() {
        QueryDefaults built = QueryDefaults.builder().build();

        assertThat(built.staleTime()).isEqualTo(Duration.ZERO);
        assertThat(built.gcTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(built.retry()).isEqualTo(3);
        assertThat(built.timeout()).isEmpty();
    }

    @Test
    void setValuesAreKept() {
        RetryDelay delay = RetryDelay.fixed(Duration.ofMillis(10));

        QueryDefaults defaults = QueryDefaults.builder()
                .staleTime(Duration.ofSeconds(30))
                .gcTime(Duration.ofMinutes(10))
                .retry(0)
                .retryDelay(delay)
                .timeout(Duration.ofSeconds(5))
                .build();

        assertThat(defaults.staleTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.gcTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(defaults.retry()).isZero();
        assertThat(defaults.retryDelay()).isSameAs(delay);
        assertThat(defaults.timeout()).contains(Duration.ofSeconds(5));
    }

    @Test
    void zeroStaleTimeGcTimeAndRetryAreAccepted() {
        QueryDefaults defaults = QueryDefaults.builder()
                .staleTime(Duration.ofSeconds(1)).staleTime(Duration.ZERO)
                .gcTime(Duration.ZERO)
                .retry(0)
                .build();

        assertThat(defaults.staleTime()).isZero();
        assertThat(defaults.gcTime()).isZero();
        assertThat(defaults.retry()).isZero();
    }

    @Test
    void nullTimeoutMeansNone() {
        QueryDefaults defaults = QueryDefaults.builder().timeout(Duration.ofSeconds(5)).timeout(null).build();

        assertThat(defaults.timeout()).isEmpty();
    }

    @Test
    void toBuilderKeepsEverything() {
        RetryDelay delay = RetryDelay.fixed(Duration.ofMillis(10));
        QueryDefaults original = QueryDefaults.builder()
                .staleTime(Duration.ofSeconds(30))
                .gcTime(Duration.ofMinutes(10))
                .retry(1)
                .retryDelay(delay)
                .timeout(Duration.ofSeconds(5))
                .build();

        QueryDefaults copy = original.toBuilder().build();

        assertThat(copy.staleTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(copy.gcTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(copy.retry()).isEqualTo(1);
        assertThat(copy.retryDelay()).isSameAs(delay);
        assertThat(copy.timeout()).contains(Duration.ofSeconds(5));
    }

    @Test
    void derivedDefaultsLeaveTheOriginalAlone() {
        QueryDefaults original = QueryDefaults.builder().retry(5).build();

        QueryDefaults variant = original.toBuilder().retry(0).timeout(Duration.ofSeconds(1)).build();

        assertThat(variant.retry()).isZero();
        assertThat(variant.timeout()).contains(Duration.ofSeconds(1));
        assertThat(original.retry()).isEqualTo(5);
        assertThat(original.timeout()).isEmpty();
        assertThat(QueryDefaults.standard().retry()).isEqualTo(3);
    }

    @Test
    void negativeValuesAreRejectedNamingTheSetting() {
        QueryDefaults.Builder builder = QueryDefaults.builder();

        assertThatThrownBy(() -> builder.staleTime(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("staleTime");
        assertThatThrownBy(() -> builder.gcTime(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gcTime");
        assertThatThrownBy(() -> builder.retry(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retry");
        assertThatThrownBy(() -> builder.timeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    @Test
    void zeroTimeoutIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> QueryDefaults.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    @Test
    void nullsAreRejectedByName() {
        QueryDefaults.Builder builder = QueryDefaults.builder();

        assertThatThrownBy(() -> builder.staleTime(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("staleTime");
        assertThatThrownBy(() -> builder.gcTime(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("gcTime");
        assertThatThrownBy(() -> builder.retryDelay(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("retryDelay");
    }

    @Test
    void rejectedValueLeavesTheBuilderUnchanged() {
        QueryDefaults.Builder builder = QueryDefaults.builder().gcTime(Duration.ofMinutes(1));

        assertThatThrownBy(() -> builder.gcTime(Duration.ofMinutes(-1))).isInstanceOf(IllegalArgumentException.class);

        assertThat(builder.build().gcTime()).isEqualTo(Duration.ofMinutes(1));
    }
}
