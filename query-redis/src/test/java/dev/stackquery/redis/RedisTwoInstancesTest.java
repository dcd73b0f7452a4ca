package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryCacheListener;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Two "instances": two clients with their own Redis connections, sharing one real Redis. */
class RedisTwoInstancesTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    /** One instance: its connection, its client and what its listener saw. */
    static final class Instance implements AutoCloseable {
        final LettuceConnectionFactory factory = REDIS.connectionFactory();
        final ConcurrentLinkedQueue<QueryCacheEvent> events = new ConcurrentLinkedQueue<>();
        final QueryClient client;

        Instance(String id) {
            QueryCacheListener listener = events::add;
            client = QueryClient.builder()
                    .storage(RedisStorageBackend.builder(factory).build())
                    .invalidationBus(RedisInvalidationBus.builder(factory).build())
                    .fetchLock(new RedisFetchLock(factory))
                    .fetchLockLease(Duration.ofSeconds(2))
                    .instanceId(id)
                    .listener(listener)
                    .build();
        }

        <E extends QueryCacheEvent> List<E> events(Class<E> type) {
            List<E> found = new ArrayList<>();
            for (QueryCacheEvent event : events) {
                if (type.isInstance(event)) {
                    found.add(type.cast(event));
                }
            }
            return found;
        }

        @Override
        public void close() {
            client.close();
            factory.destroy();
        }
    }

    private Instance a;
    private Instance b;
    private final AtomicInteger calls = new AtomicInteger();
    private final QueryKey key = QueryKey.of("user", 7);

    @BeforeEach
    void start() throws Exception {
        REDIS.start();
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
        a = new Instance("a");
        b = new Instance("b");
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private QueryOptions<String> user() {
        return QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet()).type(String.class)
                .staleTime(Duration.ofMinutes(5)).build();
    }

    @Test
    void instanceBServesWhatInstanceAFetchedWithoutCallingTheFunction() throws Exception {
        assertThat(a.client.fetchQuery(user()).get(5, TimeUnit.SECONDS)).isEqualTo("v1");
        await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.command("EXISTS", "stackquery:[\"user\",7]")
                .equals(":1"));
        assertThat(b.client.fetchQuery(user()).get(5, TimeUnit.SECONDS)).isEqualTo("v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void aPartialKeyInvalidationReachesTheOtherInstancesMatchesOnly() throws Exception {
        QueryKey done = QueryKey.of("todos", java.util.Map.of("status", "done", "page", 1));
        QueryKey open = QueryKey.of("todos", java.util.Map.of("status", "open"));
        for (QueryKey each : List.of(done, open)) {
            b.client.fetchQuery(QueryOptions.builder(each, ctx -> "v" + calls.incrementAndGet()).type(String.class)
                    .staleTime(Duration.ofMinutes(5)).build()).get(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.command("EXISTS",
                "stackquery:" + done.canonical()).equals(":1"));
        // a holds neither key: b must match the pattern itself, and L2 must lose the matching entry anyway.
        a.client.invalidateQueries(QueryFilter.partial("todos", java.util.Map.of("status", "done")))
                .get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> b.client.getQueryState(done).orElseThrow().invalidated());
        assertThat(b.client.getQueryState(open).orElseThrow().invalidated()).isFalse();
        assertThat(b.client.findAll(QueryFilter.partial("todos", java.util.Map.of("status", "done"))))
                .extracting(s -> s.key()).containsExactly(done);
        assertThat(a.client.fetchQuery(QueryOptions.builder(done, ctx -> "after").type(String.class)
                .staleTime(Duration.ofMinutes(5)).build()).get(5, TimeUnit.SECONDS))
                .as("not served from L2, fresh as its entry was: the entry was deleted").isEqualTo("after");
    }

    @Test
    void invalidationAndSetReachTheOtherInstanceAndNotTheSender() throws Exception {
        a.client.fetchQuery(user()).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.client.fetchQuery(user()).getNow(null) != null);
        a.client.invalidateQueries(QueryFilter.prefix("user")).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> b.client.getQueryState(key).orElseThrow().invalidated());
        assertThat(b.events(QueryCacheEvent.Invalidated.class)).extracting(QueryCacheEvent.Invalidated::origin)
                .containsExactly(QueryCacheEvent.Origin.REMOTE);
        assertThat(a.events(QueryCacheEvent.Invalidated.class)).extracting(QueryCacheEvent.Invalidated::origin)
                .as("a ignores its own message").containsExactly(QueryCacheEvent.Origin.LOCAL);

        Thread.sleep(5); // a later dataUpdatedAt than b's copy, on the millisecond clock
        a.client.setQueryData(key, "set on a");
        await().atMost(Duration.ofSeconds(2)).until(() -> b.client.getQueryData(key).orElse("").equals("set on a"));
    }

    @Test
    void removeReachesTheOtherInstance() throws Exception {
        b.client.setQueryData(QueryKey.of("post", 1), "p");
        a.client.removeQueries(QueryFilter.prefix("post")).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> b.client.getQueryState(QueryKey.of("post", 1)).isEmpty());
    }

    @Test
    void aBurstOfThreeThousandWritesReachesRedisWithoutATimeout() throws Exception {
        int writes = 3_000;
        for (int i = 0; i < writes; i++) {
            a.client.setQueryData(QueryKey.of("burst", i), "v" + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = writes - 1; i >= 0; i--) {
                if (b.client.getQueryDataAsync(QueryKey.of("burst", i), String.class).get(5, TimeUnit.SECONDS)
                        .isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        for (int i = 0; i < writes; i += 97) {
            assertThat(b.client.<String>getQueryData(QueryKey.of("burst", i))).contains("v" + i);
        }
        assertThat(a.events(QueryCacheEvent.StorageError.class)).as("no write timed out or failed").isEmpty();
    }

    @Test
    void eightThreadsPerInstanceOnAColdKeyMakeOneCall() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch go = new CountDownLatch(1);
            QueryOptions<String> slow = QueryOptions.builder(QueryKey.of("report"), ctx -> {
                calls.incrementAndGet();
                Thread.sleep(300);
                return "report";
            }).type(String.class).staleTime(Duration.ofMinutes(5)).build();
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                QueryClient client = i % 2 == 0 ? a.client : b.client;
                results.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return client.fetchQuery(slow).join();
                }, threads));
            }
            go.countDown();
            for (CompletableFuture<String> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("report");
            }
            assertThat(calls).as("one call in the whole cluster").hasValue(1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aCrashedLockHolderDelaysOthersOnlyUntilItsLeaseEnds() throws Exception {
        // A holder that took the lock and died: its lock expires after 1 s.
        assertThat(REDIS.command("SET", "stackquery:lock:[\"user\",7]", "dead", "NX", "PX", "1000")).isEqualTo("+OK");
        long started = System.nanoTime();
        assertThat(b.client.fetchQuery(user()).get(10, TimeUnit.SECONDS)).isEqualTo("v1");
        assertThat(calls).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("bounded by the 2 s lease setting")
                .isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aCorruptValueIsAMissThatIsDeletedAndCounted() throws Exception {
        assertThat(REDIS.command("SET", "stackquery:[\"user\",7]", "not an envelope")).isEqualTo("+OK");
        assertThat(a.client.fetchQuery(user()).get(5, TimeUnit.SECONDS)).isEqualTo("v1");
        assertThat(a.events(QueryCacheEvent.StorageError.class)).singleElement()
                .satisfies(e -> assertThat(e.operation()).isEqualTo(QueryCacheEvent.StorageOperation.DECODE));
        await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.command("GET", "stackquery:[\"user\",7]")
                .startsWith("$"));
    }

    @Test
    void connectionsOpenedAndClosedOnPurposeAreNotAnOutage() throws Exception {
        a.client.fetchQuery(user()).get(5, TimeUnit.SECONDS);
        // Another connection of the same client comes and goes (as the L2 read connection or a dedicated
        // template connection do): no reconnect, so L1 must not be marked stale.
        for (int i = 0; i < 3; i++) {
            ((io.lettuce.core.RedisClient) a.factory.getNativeClient()).connect().close();
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> !a.client.getQueryState(key).orElseThrow().invalidated());
    }

    @Test
    void redisKilledMidLoadNeverFailsACallerAndIsUsedAgainAfterItsReturn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(REDIS.restartable(), "needs a redis-server process to kill");
        QueryOptions<String> cached = user();
        a.client.fetchQuery(cached).get(5, TimeUnit.SECONDS);
        REDIS.stop();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            QueryKey other = QueryKey.of("during", i);
            answers.add(a.client.fetchQuery(QueryOptions.builder(other, ctx -> "fresh").type(String.class).build())
                    .get(5, TimeUnit.SECONDS));
            answers.add(a.client.fetchQuery(cached).get(5, TimeUnit.SECONDS));
        }
        // The cached value is trusted for at most a second while the bus is away; then it is fetched again.
        assertThat(answers).allSatisfy(answer -> assertThat(answer).matches("fresh|v\\d+"));
        assertThat(a.events(QueryCacheEvent.StorageError.class)).isNotEmpty();

        REDIS.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> a.client.getQueryState(key).orElseThrow().invalidated());
        // Each set replaces the one still waiting (latest wins); removing the query between two sets would drop the
        // waiting write, as a write of a removed query must be.
        AtomicInteger round = new AtomicInteger();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            a.client.setQueryData(QueryKey.of("after"), "written " + round.incrementAndGet());
            return REDIS.command("EXISTS", "stackquery:[\"after\"]").equals(":1");
        });
    }
}
