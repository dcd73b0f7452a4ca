package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.devtools.DevtoolsClusterApps.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Instances that stop answering: each test starts an instance of its own beside "a", lets "a" hear from it, and closes
 * it, so that "a" still counts it live (it was heard from within three announce intervals) while it no longer
 * answers.
 */
class DevtoolsClusterSilentInstanceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration ANNOUNCE_INTERVAL = Duration.ofSeconds(2);

    private static DevtoolsClusterApps apps;

    @BeforeAll
    static void start() {
        apps = DevtoolsClusterApps.withOwnRedis();
        apps.start("a", properties());
    }

    @AfterAll
    static void stop() {
        if (apps != null) {
            apps.close();
        }
    }

    private static String[] properties() {
        return new String[] { "stackquery.devtools.cluster.timeout=" + TIMEOUT.toMillis() + "ms",
                "stackquery.devtools.cluster.announce-interval=" + ANNOUNCE_INTERVAL.toMillis() + "ms" };
    }

    /** Starts {@code id}, waits until it answered a question of a's, and closes it. */
    private static void silenced(String id) {
        apps.start(id, properties());
        QueryKey probe = QueryKey.of("probe", id);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode answered = entry(apps.instances("a", probe), id);
            return answered != null && answered.get("answered").asBoolean();
        });
        apps.stop(id);
    }

    @Test
    void anInstanceThatStoppedIsShownAsNotAnsweringOnceTheTimeoutHasPassed() {
        silenced("b1");
        QueryKey key = QueryKey.of("product", 1);
        apps.client("a").setQueryData(key, "pen");

        long started = System.nanoTime();
        JsonNode view = apps.instances("a", key);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        JsonNode mine = entry(view, "a");
        assertThat(mine.get("answered").asBoolean()).isTrue();
        assertThat(mine.get("present").asBoolean()).isTrue();
        JsonNode silent = entry(view, "b1");
        assertThat(silent).as("b1 is still counted live, so listed").isNotNull();
        assertThat(silent.get("self").asBoolean()).isFalse();
        assertThat(silent.get("answered").asBoolean()).isFalse();
        assertThat(silent.has("present")).as("nothing is known of its state").isFalse();
        assertThat(took).as("a waited for b1 up to the time-out, and no longer")
                .isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50)).isLessThan(TIMEOUT.plusSeconds(3));
    }

    @Test
    void aStoppedInstanceIsForgottenAfterThreeAnnounceIntervals() {
        silenced("b2");
        QueryKey key = QueryKey.of("product", 2);
        assertThat(entry(apps.instances("a", key), "b2")).isNotNull();

        await().atMost(ANNOUNCE_INTERVAL.multipliedBy(DevtoolsCluster.LIVE_INTERVALS).plusSeconds(10))
                .until(() -> entry(apps.instances("a", key), "b2") == null);
    }

    @Test
    void keysAskedAboutAtOnceAreBoundedAndOneKeysQuestionsShareARound() {
        silenced("b3");
        DevtoolsCluster cluster = apps.context("a").getBean(DevtoolsCluster.class);
        List<CompletableFuture<DevtoolsCluster.Instances>> waiting = new ArrayList<>();
        for (int i = 0; i < DevtoolsCluster.MAX_ASKS_IN_FLIGHT; i++) {
            waiting.add(cluster.instances(QueryKey.of("bounded", i)));
        }
        assertThat(waiting).as("every round waits for b3").noneMatch(CompletableFuture::isDone);

        CompletableFuture<DevtoolsCluster.Instances> joining = cluster.instances(QueryKey.of("bounded", 0));
        CompletableFuture<DevtoolsCluster.Instances> refused = cluster.instances(QueryKey.of("bounded", "one more"));
        Http.Answer overHttp = apps.http("a").get("/stackquery/api/instances?key="
                + Http.encode(QueryKey.of("bounded", "over http").canonical()));

        assertThat(joining.isCompletedExceptionally()).as("a question about a key already asked joins its round")
                .isFalse();
        assertThat(refused).isCompletedExceptionally();
        assertThat(refused.handle((view, error) -> error).join()).isInstanceOf(RejectedExecutionException.class);
        assertThat(overHttp.status()).isEqualTo(429);
        assertThat(overHttp.json().get("error").asString()).contains(
                String.valueOf(DevtoolsCluster.MAX_ASKS_IN_FLIGHT));

        for (CompletableFuture<DevtoolsCluster.Instances> round : waiting) {
            assertThat(round.join().instances()).filteredOn(instance -> instance.instance().equals("b3"))
                    .singleElement().extracting(DevtoolsCluster.Instance::answered, InstanceOfAssertFactories.BOOLEAN)
                    .isFalse();
        }
        assertThat(joining.join()).isEqualTo(waiting.get(0).join());
        assertThat(apps.instances("a", QueryKey.of("bounded", "after")).get("available").asBoolean())
                .as("the rounds gave their places back").isTrue();
    }
}
