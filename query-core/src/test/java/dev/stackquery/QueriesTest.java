package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class QueriesTest {

    private final QueryClient client = QueryClient.builder().build();

    @AfterEach
    void close() {
        client.close();
    }

    @RepeatedTest(5)
    void parallelRunsTheFetchesAtTheSameTime() throws Exception {
        // Each function waits until all three run at once: done one after another, the first would never return.
        CountDownLatch allRunning = new CountDownLatch(3);
        QueryOptions<?>[] options = new QueryOptions<?>[3];
        for (int i = 0; i < 3; i++) {
            int n = i;
            options[i] = QueryOptions.builder(QueryKey.of("screen", i), ctx -> {
                allRunning.countDown();
                if (!allRunning.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("fetches did not overlap");
                }
                return "part" + n;
            }).retry(0).build();
        }
        assertThat(Queries.parallel(client, options).get(20, TimeUnit.SECONDS))
                .containsExactly("part0", "part1", "part2");
    }

    @Test
    void parallelOfOneTypeKeepsTheArgumentOrder() throws Exception {
        List<QueryOptions<Integer>> options = List.of(
                QueryOptions.builder(QueryKey.of("n", 1), ctx -> {
                    Thread.sleep(50);
                    return 1;
                }).build(),
                QueryOptions.of(QueryKey.of("n", 2), ctx -> 2));
        assertThat(Queries.parallel(client, options).get(10, TimeUnit.SECONDS)).containsExactly(1, 2);
    }

    @Test
    void parallelFailsAsSoonAsOneFetchFailsWithoutWaitingForTheOthers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var slow = QueryOptions.builder(QueryKey.of("slow"), ctx -> {
            release.await(10, TimeUnit.SECONDS);
            return "late";
        }).build();
        var broken = QueryOptions.<String>builder(QueryKey.of("broken"), ctx -> {
            throw new IllegalStateException("down");
        }).retry(0).build();
        var all = Queries.parallel(client, slow, broken);
        assertThat(all).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(QueryFetchException.class).withMessageContaining("broken");
        release.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> client.getQueryData(QueryKey.of("slow")).isPresent());
    }

    @Test
    void dependentFetchesTheSecondQueryWithTheFirstsData() throws Exception {
        AtomicInteger postsCalls = new AtomicInteger();
        var me = QueryOptions.of(QueryKey.of("user", "me"), ctx -> Map.of("id", 42));
        var posts = Queries.dependent(client, me, user -> QueryOptions.of(QueryKey.of("posts", user.get("id")),
                ctx -> {
                    postsCalls.incrementAndGet();
                    return List.of("post of " + ctx.key().part(1));
                }));
        assertThat(posts.get(10, TimeUnit.SECONDS)).containsExactly("post of 42");
        assertThat(postsCalls).hasValue(1);
        assertThat(client.getQueryData(QueryKey.of("posts", 42))).isPresent();
    }

    @Test
    void dependentDoesNotRunTheSecondQueryWhenTheFirstFails() {
        AtomicInteger second = new AtomicInteger();
        var failing = QueryOptions.<Integer>builder(QueryKey.of("first"), ctx -> {
            throw new IllegalStateException("no user");
        }).retry(0).build();
        var result = Queries.dependent(client, failing, id -> QueryOptions.of(QueryKey.of("second", id), ctx -> {
            second.incrementAndGet();
            return "x";
        }));
        assertThat(result).failsWithin(Duration.ofSeconds(10));
        assertThat(second).hasValue(0);
    }
}
