package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class QueryClientGcTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();

    private QueryClient client(int maxQueries) {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .maxQueries(maxQueries).listener(events).build();
    }

    private static QueryOptions<String> options(Object id, Duration gcTime) {
        return QueryOptions.builder(QueryKey.of("item", id), ctx -> "v" + id).gcTime(gcTime).build();
    }

    @Test
    void anInactiveQueryLeavesGcTimeAfterItsFetchSettled() {
        try (QueryClient client = client(100)) {
            client.fetchQuery(options(1, Duration.ofMinutes(2))).join();
            time.advance(Duration.ofMinutes(2).minusMillis(1));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isPresent();
            time.advance(Duration.ofMillis(1));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isEmpty();
            assertThat(client.size()).isZero();
            assertThat(events.of(QueryCacheEvent.Evicted.class)).singleElement()
                    .satisfies(e -> assertThat(e.cause()).isEqualTo(QueryCacheEvent.EvictionCause.GC));
        }
    }

    @Test
    void aFetchRestartsTheCountdownAndAFetchingQueryIsNeverCollected() {
        try (QueryClient client = client(100)) {
            List<CompletableFuture<String>> calls = new ArrayList<>();
            QueryOptions<String> slow = QueryOptions.async(QueryKey.of("slow"), ctx -> {
                CompletableFuture<String> f = new CompletableFuture<>();
                calls.add(f);
                return f;
            }).gcTime(Duration.ofMinutes(1)).build();
            client.fetchQuery(slow);
            time.advance(Duration.ofMinutes(5));
            assertThat(client.getQueryState(QueryKey.of("slow"))).as("still fetching, kept").isPresent();
            calls.get(0).complete("done");
            time.advance(Duration.ofSeconds(59));
            assertThat(client.getQueryData(QueryKey.of("slow"))).contains("done");
            time.advance(Duration.ofSeconds(2));
            assertThat(client.getQueryState(QueryKey.of("slow"))).isEmpty();
        }
    }

    @Test
    void theLongestGcTimeAskedForWins() {
        try (QueryClient client = client(100)) {
            client.fetchQuery(options(1, Duration.ofMinutes(10))).join();
            client.fetchFreshQuery(options(1, Duration.ofSeconds(1))).join();
            time.advance(Duration.ofMinutes(9));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isPresent();
            time.advance(Duration.ofMinutes(2));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isEmpty();
        }
    }

    @Test
    void zeroGcTimeRemovesTheQueryAsSoonAsItSettles() {
        try (QueryClient client = client(100)) {
            assertThat(client.fetchQuery(options(1, Duration.ZERO)).join()).isEqualTo("v1");
            time.runDue();
            assertThat(client.size()).isZero();
        }
    }

    @Test
    void aGcTimeLongerThanAnIntOfMillisecondsIsKeptExactlyAndTheLongestGcTimeWins() {
        Duration month = Duration.ofDays(30); // 2 592 000 000 ms: more than an int holds
        try (QueryClient client = client(100)) {
            client.fetchQuery(options(1, month)).join();
            client.fetchQuery(options(1, Duration.ofMinutes(1))).join();
            client.fetchQuery(options(2, Duration.ofSeconds(Long.MAX_VALUE))).join();
            time.advance(month.minusMillis(1));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isPresent();
            time.advance(Duration.ofMillis(1));
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isEmpty();
            time.advance(Duration.ofDays(365 * 100));
            assertThat(client.getQueryData(QueryKey.of("item", 2))).as("a gcTime beyond any clock").isPresent();
        }
    }

    @Test
    void beyondMaxQueriesTheLeastRecentlyReadInactiveQueriesAreEvicted() {
        try (QueryClient client = client(10)) {
            for (int i = 0; i < 10; i++) {
                client.fetchQuery(options(i, Duration.ofHours(1))).join();
                time.advance(Duration.ofMillis(10));
            }
            // Read item 0 again so that item 1 becomes the least recently read.
            client.fetchQuery(QueryOptions.builder(QueryKey.of("item", 0), ctx -> "x")
                    .staleTime(Duration.ofHours(1)).build()).join();
            time.advance(Duration.ofMillis(10));
            client.fetchQuery(options(10, Duration.ofHours(1))).join();

            assertThat(client.size()).isEqualTo(10);
            assertThat(client.getQueryData(QueryKey.of("item", 1))).isEmpty();
            assertThat(client.getQueryData(QueryKey.of("item", 0))).isPresent();
            assertThat(client.getQueryData(QueryKey.of("item", 10))).isPresent();
            assertThat(events.of(QueryCacheEvent.Evicted.class)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.key()).isEqualTo(QueryKey.of("item", 1));
                        assertThat(e.cause()).isEqualTo(QueryCacheEvent.EvictionCause.SIZE);
                    });
        }
    }

    @Test
    void insertsThatRaceASizeEvictionScanAreEvictedByTheSameEviction() {
        AtomicBoolean racing = new AtomicBoolean(true);
        AtomicReference<QueryClient> self = new AtomicReference<>();
        try (QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .maxQueries(1_000).listener(event -> {
                    // Inserts while the scan's evictions run, as other threads' would (they cannot start a scan).
                    if (event instanceof QueryCacheEvent.Evicted && racing.getAndSet(false)) {
                        for (int i = 0; i < 100; i++) {
                            self.get().setQueryData(QueryKey.of("late", i), "v");
                        }
                    }
                }).build()) {
            self.set(client);
            for (int i = 0; i < 1_001; i++) { // the last insert goes over the bound: 11 (1 + 1 %) go
                client.setQueryData(QueryKey.of("item", i), "v" + i);
                time.advance(Duration.ofMillis(20));
            }

            assertThat(racing).isFalse();
            assertThat(client.size()).as("scanned again for the 100 racing inserts").isEqualTo(990);
        }
    }

    @Test
    void aFetchingQueryIsNeverEvictedForSize() {
        try (QueryClient client = client(2)) {
            List<CompletableFuture<String>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int id = i;
                client.fetchQuery(QueryOptions.async(QueryKey.of("busy", id), ctx -> {
                    CompletableFuture<String> f = new CompletableFuture<>();
                    pending.add(f);
                    return f;
                }).build());
                time.advance(Duration.ofMillis(1));
            }
            assertThat(client.size()).as("all three fetch: none can go").isEqualTo(3);
            pending.forEach(f -> f.complete("done"));
            client.setQueryData(QueryKey.of("extra"), "x");
            assertThat(client.size()).isEqualTo(2);
            assertThat(client.getQueryData(QueryKey.of("extra"))).isPresent();
        }
    }

    @Test
    void anEvictedQueryIsFetchedAgainOnItsNextRead() {
        try (QueryClient client = client(100)) {
            client.fetchQuery(options(1, Duration.ofSeconds(1))).join();
            time.advance(Duration.ofSeconds(2));
            assertThat(client.size()).isZero();
            assertThat(client.fetchQuery(options(1, Duration.ofSeconds(1))).join()).isEqualTo("v1");
            assertThat(client.size()).isEqualTo(1);
        }
    }

    /**
     * Real threads fetch, observe, set and remove 40 keys with short gcTimes while another thread moves time on, in
     * bounded rounds; every query must still leave L1 once all are inactive and time passes their gcTime. A query the
     * GC heap lost (its deadline moved while its entry was being taken out) would stay forever.
     */
    @Test
    void underRacingUseEveryInactiveQueryIsStillCollected() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (QueryClient client = client(1000)) {
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int seed = round * 10 + t;
                    threads.add(new Thread(() -> {
                        java.util.Random random = new java.util.Random(seed);
                        await(start);
                        for (int i = 0; i < 400; i++) {
                            QueryKey key = QueryKey.of("k", random.nextInt(40));
                            QueryOptions<String> options = QueryOptions.builder(key, ctx -> "v")
                                    .gcTime(Duration.ofMillis(random.nextInt(3) * 5)).build();
                            switch (random.nextInt(4)) {
                                case 0 -> client.fetchQuery(options).join();
                                case 1 -> client.watch(options).subscribe(r -> { }).unsubscribe();
                                case 2 -> client.setQueryData(key, "set");
                                default -> client.removeQueries(QueryFilter.exact(key)).join();
                            }
                        }
                    }));
                }
                threads.add(new Thread(() -> {
                    await(start);
                    for (int i = 0; i < 400; i++) {
                        time.advance(Duration.ofMillis(1));
                    }
                }));
                threads.forEach(Thread::start);
                for (Thread thread : threads) {
                    thread.join(30_000);
                    assertThat(thread.isAlive()).as("a worker of round " + round + " is stuck").isFalse();
                }
                // Past every gcTime: 10 ms for those fetched or observed, the default 5 min for those only set.
                time.advance(Duration.ofMinutes(6));
                assertThat(client.size()).as("queries left after round " + round).isZero();
            }
        }
    }

    private static void await(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
