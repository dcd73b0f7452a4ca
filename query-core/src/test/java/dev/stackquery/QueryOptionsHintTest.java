package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Options kept by the application remember the query they found, so that fetchQuery can skip the map lookup; the
 * remembered query must never be served when it is not this client's live query of that key.
 */
class QueryOptionsHintTest {

    private final FakeTime time = new FakeTime();
    private final AtomicInteger calls = new AtomicInteger();
    private final QueryKey key = QueryKey.of("product", 7);
    private final QueryOptions<String> options = QueryOptions.<String>builder(key,
            ctx -> "fetched " + calls.incrementAndGet()).staleTime(Duration.ofMinutes(5)).build();
    private final QueryClient a = client(1000);
    private final QueryClient b = client(1000);

    private QueryClient client(int maxQueries) {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .maxQueries(maxQueries).build();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    @Test
    void oneOptionsObjectUsedWithTwoClientsReadsEachClientsOwnData() {
        a.setQueryData(key, "from a");
        b.setQueryData(key, "from b");
        for (int i = 0; i < 3; i++) {
            assertThat(a.fetchQuery(options).join()).isEqualTo("from a");
            assertThat(b.fetchQuery(options).join()).isEqualTo("from b");
        }
        assertThat(calls).hasValue(0);
    }

    @Test
    void aRemovedQueryIsNotServedThroughTheHint() {
        assertThat(a.fetchQuery(options).join()).isEqualTo("fetched 1");
        assertThat(a.fetchQuery(options).join()).as("hit, through the hint").isEqualTo("fetched 1");
        a.removeQueries(QueryFilter.exact(key)).join();
        assertThat(a.fetchQuery(options).join()).isEqualTo("fetched 2");
        assertThat(a.fetchQuery(options).join()).isEqualTo("fetched 2");
        assertThat(calls).hasValue(2);
    }

    @Test
    void newDataAndInvalidationReachCallersHoldingTheHint() {
        assertThat(a.fetchQuery(options).join()).isEqualTo("fetched 1");
        a.fetchQuery(options).join();
        a.setQueryData(key, "set by hand");
        assertThat(a.fetchQuery(options).join()).isEqualTo("set by hand");

        a.invalidateQueries(QueryFilter.exact(key)).join();
        assertThat(a.fetchQuery(options).join()).as("stale: served while it refetches").isEqualTo("set by hand");
        assertThat(a.fetchQuery(options).join()).isEqualTo("fetched 2");
        time.advance(Duration.ofMinutes(5));
        a.fetchQuery(options).join();
        assertThat(calls).as("stale after staleTime, hint or not").hasValue(3);
    }

    @Test
    void anEvictedQueryIsNotServedThroughTheHint() {
        QueryClient small = client(10);
        try {
            assertThat(small.fetchQuery(options).join()).isEqualTo("fetched 1");
            small.fetchQuery(options).join();
            time.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 50; i++) {
                small.setQueryData(QueryKey.of("filler", i), "x");
            }
            assertThat(small.getQueryData(key)).as("evicted as least recently read").isEmpty();
            assertThat(small.fetchQuery(options).join()).isEqualTo("fetched 2");
        } finally {
            small.close();
        }
    }
}
