package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /stackquery/api/instances} on real instances sharing one real Redis: "a" and "b" with one key prefix,
 * "c" with another, and "solo" without the Redis bus and without an instance id of its own. Each instance has its own
 * server on 127.0.0.1.
 */
class DevtoolsClusterTest {

    /** Long, so that a view returned sooner shows the round ended once everyone answered. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static DevtoolsClusterApps apps;
    /** Without the Redis bus, and named by default. */
    private static ConfigurableApplicationContext solo;

    @BeforeAll
    static void start() {
        apps = DevtoolsClusterApps.withOwnRedis();
        String timeout = "stackquery.devtools.cluster.timeout=" + TIMEOUT.toMillis() + "ms";
        apps.start("a", timeout);
        apps.start("b", timeout);
        apps.start("c", timeout, "stackquery.storage.key-prefix=another-app:");
        solo = new SpringApplicationBuilder(DevtoolsClusterApps.App.class).properties("server.port=0",
                "server.address=127.0.0.1", "spring.main.banner-mode=off", "spring.application.name=solo",
                "stackquery.storage.type=none", "stackquery.devtools.enabled=true").run();
    }

    @AfterAll
    static void stop() {
        if (solo != null) {
            solo.close();
        }
        if (apps != null) {
            apps.close();
        }
    }

    private static Http.Answer instances(String on, QueryKey key) {
        return apps.http(on).get(path(key));
    }

    private static String path(QueryKey key) {
        return "/stackquery/api/instances?key=" + Http.encode(key.canonical());
    }

    private static List<String> ids(JsonNode view) {
        List<String> ids = new ArrayList<>();
        view.get("instances").forEach(instance -> ids.add(instance.get("instance").asString()));
        return ids;
    }

    @Test
    void anInvalidatedCopyOnOneInstanceShowsBesideTheFreshCopyOnTheOther() {
        QueryKey key = QueryKey.of("product", 1);
        QueryClient a = apps.client("a");
        QueryClient b = apps.client("b");
        // Both copies are invalidated (b's through the bus); a then refetches, b, unobserved, keeps its old data.
        apps.freshHereInvalidatedThere(key, "a", "b", new AtomicInteger());
        assertThat(a.getQueryState(key).orElseThrow().invalidated()).isFalse();

        long started = System.nanoTime();
        Http.Answer answer = instances("a", key);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode view = answer.json();
        assertThat(view.get("key").asString()).isEqualTo(key.canonical());
        assertThat(view.get("available").asBoolean()).isTrue();
        assertThat(ids(view)).containsExactly("a", "b");
        JsonNode onA = view.get("instances").get(0);
        assertThat(onA.get("self").asBoolean()).isTrue();
        assertThat(onA.get("answered").asBoolean()).isTrue();
        assertThat(onA.get("present").asBoolean()).isTrue();
        assertThat(onA.get("status").asString()).isEqualTo("success");
        assertThat(onA.get("fetchStatus").asString()).isEqualTo("idle");
        assertThat(onA.get("stale").asBoolean()).isFalse();
        assertThat(onA.get("invalidated").asBoolean()).isFalse();
        assertThat(onA.get("observers").asInt()).isZero();
        assertThat(Instant.parse(onA.get("dataUpdatedAt").asString())).isEqualTo(apps.dataUpdatedAt("a", key));
        JsonNode onB = view.get("instances").get(1);
        assertThat(onB.get("self").asBoolean()).isFalse();
        assertThat(onB.get("answered").asBoolean()).isTrue();
        assertThat(onB.get("present").asBoolean()).isTrue();
        assertThat(onB.get("status").asString()).isEqualTo("success");
        assertThat(onB.get("invalidated").asBoolean()).isTrue();
        assertThat(onB.get("stale").asBoolean()).isTrue();
        Instant bUpdated = Instant.parse(onB.get("dataUpdatedAt").asString());
        assertThat(bUpdated).isEqualTo(apps.dataUpdatedAt("b", key)).isBefore(apps.dataUpdatedAt("a", key));
        assertThat(took).as("the round ended once b answered, not at the time-out").isLessThan(TIMEOUT);

        // b's page shows the same from its side.
        JsonNode fromB = instances("b", key).json();
        assertThat(ids(fromB)).containsExactly("b", "a");
        assertThat(fromB.get("instances").get(0).get("invalidated").asBoolean()).isTrue();
        assertThat(fromB.get("instances").get(1).get("invalidated").asBoolean()).isFalse();
    }

    @Test
    void anInstanceWithoutTheKeyAnswersThatItHasNone() {
        QueryKey key = QueryKey.of("product", 2);
        apps.client("a").fetchQuery(DevtoolsClusterApps.options(key, new AtomicInteger())).join();

        JsonNode view = instances("a", key).json();

        assertThat(ids(view)).containsExactly("a", "b");
        assertThat(view.get("instances").get(0).get("present").asBoolean()).isTrue();
        JsonNode onB = view.get("instances").get(1);
        assertThat(onB.get("answered").asBoolean()).isTrue();
        assertThat(onB.get("present").asBoolean()).isFalse();
        assertThat(onB.has("status")).as("no state without the key").isFalse();
    }

    @Test
    void anApplicationWithAnotherKeyPrefixIsNotListed() {
        QueryKey key = QueryKey.of("product", 3);
        for (String instance : List.of("a", "b", "c")) {
            apps.client(instance).fetchQuery(DevtoolsClusterApps.options(key, new AtomicInteger())).join();
        }

        assertThat(ids(instances("a", key).json())).containsExactly("a", "b");
        assertThat(ids(instances("b", key).json())).containsExactly("b", "a");
        JsonNode fromC = instances("c", key).json();
        assertThat(fromC.get("available").asBoolean()).isTrue();
        assertThat(ids(fromC)).containsExactly("c");
    }

    @Test
    void withoutTheRedisBusOnlyThisInstanceIsShownNamedAfterTheApplicationHostAndPort() throws Exception {
        QueryKey key = QueryKey.of("product", 4);
        solo.getBean(QueryClient.class).fetchQuery(DevtoolsClusterApps.options(key, new AtomicInteger())).join();
        String port = solo.getEnvironment().getRequiredProperty("local.server.port");

        Http.Answer answer = new Http(Integer.parseInt(port)).get(path(key));

        assertThat(answer.status()).isEqualTo(200);
        JsonNode view = answer.json();
        assertThat(view.get("available").asBoolean()).isFalse();
        assertThat(ids(view)).containsExactly("solo@" + InetAddress.getLocalHost().getHostName() + ":" + port);
        JsonNode mine = view.get("instances").get(0);
        assertThat(mine.get("self").asBoolean()).isTrue();
        assertThat(mine.get("answered").asBoolean()).isTrue();
        assertThat(mine.get("present").asBoolean()).isTrue();
        assertThat(mine.get("status").asString()).isEqualTo("success");
    }

    @Test
    void aMissingMalformedOrOversizedKeyIsABadRequest() {
        Http http = apps.http("a");
        String tooLong = "[\"" + "x".repeat(DevtoolsCluster.MAX_KEY_LENGTH) + "\"]";
        for (String path : List.of("/stackquery/api/instances", "/stackquery/api/instances?key=",
                "/stackquery/api/instances?key=" + Http.encode("product"),
                "/stackquery/api/instances?key=" + Http.encode("[\"product\","),
                "/stackquery/api/instances?key=" + Http.encode(tooLong))) {
            Http.Answer answer = http.get(path);
            assertThat(answer.status()).as(path).isEqualTo(400);
            assertThat(answer.json().get("error").asString()).as(path).isNotBlank();
        }
        assertThat(http.get("/stackquery/api/instances?key=" + Http.encode(tooLong)).json().get("error").asString())
                .contains("longer than " + DevtoolsCluster.MAX_KEY_LENGTH);
    }
}
