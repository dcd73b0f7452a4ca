package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CachedQueryTest {

    private final FakeTime time = new FakeTime();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).build();
    private final AtomicInteger calls = new AtomicInteger();
    private final CachedQuery<String> user = client.cachedQuery(QueryOptions.<String>builder(QueryKey.of("user", 1),
            ctx -> "ann v" + calls.incrementAndGet()).staleTime(Duration.ofMinutes(1)).build());

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void getFetchesOnceAndServesFreshDataAfterwards() {
        assertThat(user.get().join()).isEqualTo("ann v1");
        assertThat(user.get().join()).isEqualTo("ann v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void getDataReadsTheCacheWithoutFetching() {
        assertThat(user.getData()).isEmpty();
        assertThat(calls).hasValue(0);
        user.get().join();
        time.advance(Duration.ofMinutes(2)); // stale after 1 min, collected after gcTime (5 min)
        assertThat(user.getData()).as("stale data is still data").contains("ann v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void invalidateMakesTheNextGetRefetchAndLeavesOtherKeysAlone() {
        CachedQuery<String> other = client.cachedQuery(QueryOptions.<String>builder(QueryKey.of("user", 2),
                ctx -> "bob").staleTime(Duration.ofMinutes(1)).build());
        user.get().join();
        other.get().join();

        user.invalidate().join();
        assertThat(client.getQueryState(QueryKey.of("user", 1)).orElseThrow().invalidated()).isTrue();
        assertThat(client.getQueryState(QueryKey.of("user", 2)).orElseThrow().invalidated()).isFalse();
        user.get().join(); // stale: served at once, refetched (synchronously here)
        assertThat(user.get().join()).isEqualTo("ann v2");
    }

    @Test
    void optionsAreTheOnesGivenAndNullIsRejected() {
        assertThat(user.options().key()).isEqualTo(QueryKey.of("user", 1));
        assertThatThrownBy(() -> client.cachedQuery(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("options");
    }
}
