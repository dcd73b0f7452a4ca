package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

/** Checks of the client builder's settings only; building and running clients is covered elsewhere. */
class QueryClientBuilderValidationTest {

    @Test
    void maxQueriesBelowOneIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> QueryClient.builder().maxQueries(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueries")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> QueryClient.builder().maxQueries(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueries");
        assertThatCode(() -> QueryClient.builder().maxQueries(1)).doesNotThrowAnyException();
    }

    @Test
    void maxValueBytesBelowOneIsRejectedNamingTheSetting() {
        assertThatThrownBy(() -> QueryClient.builder().maxValueBytes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxValueBytes");
        assertThatThrownBy(() -> QueryClient.builder().maxValueBytes(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxValueBytes");
        assertThatCode(() -> QueryClient.builder().maxValueBytes(1)).doesNotThrowAnyException();
    }

    @Test
    void zeroOrNegativeStorageDurationsAreRejectedNamingTheSetting() {
        assertThatThrownBy(() -> QueryClient.builder().storageTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("storageTimeout");
        assertThatThrownBy(() -> QueryClient.builder().storageTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("storageTimeout");
        assertThatThrownBy(() -> QueryClient.builder().storageTtl(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("storageTtl");
        assertThatThrownBy(() -> QueryClient.builder().storageTtl(Duration.ofHours(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("storageTtl");
    }

    @Test
    void nullSettingsAreRejectedByName() {
        QueryClient.Builder builder = QueryClient.builder();

        assertThatThrownBy(() -> builder.executor((Executor) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("executor");
        assertThatThrownBy(() -> builder.clock((Clock) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
        assertThatThrownBy(() -> builder.scheduler((QueryScheduler) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("scheduler");
        assertThatThrownBy(() -> builder.storage(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("storage");
        assertThatThrownBy(() -> builder.codec(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("codec");
        assertThatThrownBy(() -> builder.defaults(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("defaults");
        assertThatThrownBy(() -> builder.storageTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("storageTimeout");
        assertThatThrownBy(() -> builder.storageTtl(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("storageTtl");
        assertThatThrownBy(() -> builder.listener(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("listener");
    }
}
