package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.RetryDelay;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StackQueryMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final Executor direct = Runnable::run;
    private final QueryClient client = QueryClient.builder().executor(direct).build();
    private final StackQueryMetrics metrics = new StackQueryMetrics(client, 1);

    @AfterEach
    void close() {
        metrics.close();
        client.close();
    }

    private double lookups(String key, String level, String result) {
        return registry.get(StackQueryMetrics.LOOKUPS).tag("key", key).tag("level", level).tag("result", result)
                .counter().count();
    }

    @Test
    void lookupsAreCountedByLevelAndResultUnderTheKeysFirstPart() {
        metrics.bindTo(registry);
        QueryOptions<String> user1 = QueryOptions.<String>builder(QueryKey.of("user", 1), ctx -> "ann")
                .staleTime(Duration.ofMinutes(1)).build();
        QueryOptions<String> user2 = QueryOptions.<String>builder(QueryKey.of("user", 2), ctx -> "bob")
                .staleTime(Duration.ofMinutes(1)).build();
        client.fetchQuery(user1).join();
        client.fetchQuery(user1).join();
        client.fetchQuery(user1).join();
        client.fetchQuery(user2).join();

        assertThat(lookups("user", "l1", "miss")).isEqualTo(2);
        assertThat(lookups("user", "l1", "hit")).isEqualTo(2);
        assertThat(registry.get(StackQueryMetrics.FETCHES).tag("key", "user").tag("outcome", "success").timer()
                .count()).isEqualTo(2);
        assertThat(registry.get(StackQueryMetrics.QUERIES).gauge().value()).isEqualTo(2);
        assertThat(registry.find(StackQueryMetrics.LOOKUPS).tag("key", "1").counters()).as("ids stay out of tags")
                .isEmpty();
    }

    @Test
    void failuresRetriesInvalidationsAndDeduplicatedCallersAreCounted() {
        metrics.bindTo(registry);
        QueryOptions<String> failing = QueryOptions.<String>builder(QueryKey.of("report"), ctx -> {
            throw new IllegalStateException("upstream down");
        }).retry(2).retryDelay(RetryDelay.fixed(Duration.ZERO)).build();
        assertThatThrownBy(() -> client.fetchQuery(failing).join()).hasRootCauseMessage("upstream down");
        assertThat(registry.get(StackQueryMetrics.FETCHES).tag("outcome", "error").timer().count()).isEqualTo(1);
        assertThat(registry.get(StackQueryMetrics.RETRIES).tag("key", "report").counter().count()).isEqualTo(2);

        client.setQueryData(QueryKey.of("report"), "ok");
        client.invalidateQueries(QueryFilter.prefix("report")).join();
        assertThat(registry.get(StackQueryMetrics.INVALIDATIONS).tag("origin", "local").counter().count())
                .isEqualTo(1);

        CompletableFuture<String> slow = new CompletableFuture<>();
        QueryOptions<String> waiting = QueryOptions.<String>async(QueryKey.of("slow"), ctx -> slow).build();
        client.fetchQuery(waiting);
        client.fetchQuery(waiting);
        slow.complete("done");
        assertThat(registry.get(StackQueryMetrics.DEDUPLICATED).tag("key", "slow").counter().count()).isEqualTo(1);
    }

    @Test
    void depthZeroLeavesTheKeyTagOut() {
        StackQueryMetrics untagged = new StackQueryMetrics(client, 0);
        untagged.bindTo(registry);
        client.fetchQuery(QueryOptions.<String>builder(QueryKey.of("user", 1), ctx -> "ann").build()).join();
        assertThat(registry.get(StackQueryMetrics.LOOKUPS).tag("level", "l1").tag("result", "miss").counter()
                .getId().getTag("key")).isNull();
        untagged.close();
    }

    @Test
    void keyTagsJoinTheFirstParts() {
        assertThat(StackQueryMetrics.keyTag(QueryKey.of("user", 42, "orders"), 1)).isEqualTo("user");
        assertThat(StackQueryMetrics.keyTag(QueryKey.of("user", "ann", "orders"), 2)).isEqualTo("user:ann");
        assertThat(StackQueryMetrics.keyTag(QueryKey.of("user", 42, "orders"), 3)).isEqualTo("user:*:orders");
        assertThat(StackQueryMetrics.keyTag(QueryKey.of("user"), 3)).isEqualTo("user");
        assertThat(StackQueryMetrics.keyTag(QueryKey.of(7, "x"), 1)).as("a number is not a family").isEqualTo("*");
        assertThat(StackQueryMetrics.keyTag(QueryKey.of(), 1)).as("the empty key").isEmpty();
        assertThat(StackQueryMetrics.keyTag(QueryKey.of(), 2)).isEmpty();
        assertThat(StackQueryMetrics.keyTag(QueryKey.of("user", 42), 0)).as("depth 0").isEmpty();
        assertThat(StackQueryMetrics.keyTag(QueryKey.of(true), 1)).isEqualTo("true");
    }
}
