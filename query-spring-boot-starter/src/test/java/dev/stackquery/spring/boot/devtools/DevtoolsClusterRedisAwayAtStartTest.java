package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.devtools.DevtoolsClusterApps.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import dev.stackquery.QueryKey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An instance that started while Redis was away: it cannot hear questions, so it must not announce itself (the others
 * would wait for its answer to every question and list it as silent for good); it tries to subscribe again every
 * announce interval and, once it has, answers like any other.
 */
class DevtoolsClusterRedisAwayAtStartTest {

    private static final String[] PROPERTIES = { "stackquery.devtools.cluster.announce-interval=300ms",
            "stackquery.devtools.cluster.timeout=2s" };

    private DevtoolsClusterApps apps;

    @BeforeEach
    void redis() {
        apps = DevtoolsClusterApps.withOwnRedis();
    }

    @AfterEach
    void close() {
        if (apps != null) {
            apps.close();
        }
    }

    @Test
    void anInstanceStartedWhileRedisWasAwaySubscribesOnceRedisIsBackAndAnswers() throws Exception {
        apps.redis().stop();
        apps.start("late", PROPERTIES);
        QueryKey key = QueryKey.of("product", 7);
        apps.client("late").setQueryData(key, "pen");
        JsonNode alone = apps.instances("late", key);
        assertThat(alone.get("available").asBoolean()).as("not subscribed: nobody else can be asked").isFalse();
        assertThat(alone.get("instances")).singleElement()
                .satisfies(mine -> assertThat(mine.get("instance").asString()).isEqualTo("late"));

        apps.redis().start();
        apps.start("a", PROPERTIES);
        JsonNode seen = await().atMost(Duration.ofSeconds(20)).until(() -> apps.instances("a", key),
                view -> entry(view, "late") != null && entry(view, "late").get("answered").asBoolean());
        JsonNode late = entry(seen, "late");
        assertThat(late.get("present").asBoolean()).isTrue();
        assertThat(late.get("status").asString()).isEqualTo("success");

        JsonNode fromLate = apps.instances("late", key);
        assertThat(fromLate.get("available").asBoolean()).isTrue();
        JsonNode a = entry(fromLate, "a");
        assertThat(a).as("the late instance hears the others too").isNotNull();
        assertThat(a.get("answered").asBoolean()).isTrue();
    }

    @Test
    void whileItCannotHearItIsNotListedByTheOthers() throws Exception {
        apps.start("a", PROPERTIES);
        apps.redis().stop();
        apps.start("deaf", PROPERTIES);
        apps.redis().start();
        // Redis is back, but until "deaf" has subscribed again it announces nothing; a never lists it as silent.
        QueryKey key = QueryKey.of("product", 8);
        for (int round = 0; round < 10; round++) {
            JsonNode entry = entry(apps.instances("a", key), "deaf");
            assertThat(entry == null || entry.get("answered").asBoolean())
                    .as("round %d: deaf is either not listed or answers: %s", round, entry).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode deaf = entry(apps.instances("a", key), "deaf");
            return deaf != null && deaf.get("answered").asBoolean();
        });
    }
}
