package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryState;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import tools.jackson.databind.JsonNode;

/**
 * The console's JSON over real HTTP, with the defaults: values never shown, writes permitted (the endpoint's access
 * is unrestricted), state controls off; an in-memory L2.
 */
@SpringBootTest(classes = DevtoolsTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "stackquery.devtools.enabled=true", "stackquery.storage.type=memory", "management.health.redis.enabled=false",
        "stackquery.defaults.gc-time=10m" })
class DevtoolsApiWebTest extends DevtoolsWebTest {

    @Test
    void theDetailShowsTheOptionsInEffectTheL2AgeTheHistoryAndWhatMayBeDone() {
        QueryKey key = QueryKey.of("detail", 1);
        client.fetchQuery(QueryOptions.<String>builder(key, ctx -> "pen").staleTime(Duration.ofSeconds(30)).retry(1)
                .type(String.class).build()).join();

        // The L2 write is queued: wait for the entry rather than for a time.
        JsonNode detail = await().atMost(Duration.ofSeconds(10)).until(() -> http.detail(key.canonical()).json(),
                d -> d.at("/l2/state").asString().equals("present"));
        assertThat(detail.at("/query/key").asString()).isEqualTo("[\"detail\",1]");
        assertThat(detail.at("/query/status").asString()).isEqualTo("success");
        assertThat(option(detail, "staleTime")).isEqualTo("30s from query");
        assertThat(option(detail, "retry")).isEqualTo("1 from query");
        assertThat(option(detail, "gcTime")).isEqualTo("10m from defaults");
        assertThat(option(detail, "type")).isEqualTo("java.lang.String from query");
        assertThat(option(detail, "refetchInterval")).isEqualTo("none from query");
        assertThat(detail.at("/optionsSource").asString()).contains("last fetch");
        assertThat(detail.at("/l2/backend").asString()).isEqualTo("memory");
        assertThat(detail.at("/l2/ageMs").asLong()).isBetween(0L, 10_000L);
        // The L2 entry is dated from the fetch's start, L1 data from its end.
        Instant l1 = Instant.parse(detail.at("/query/dataUpdatedAt").asString());
        assertThat(Instant.parse(detail.at("/l2/dataUpdatedAt").asString())).isBetween(l1.minusSeconds(5), l1);
        assertThat(detail.at("/history/0/status").asString()).as("newest first").isEqualTo("success");
        assertThat(statuses(detail)).contains("pending fetching");
        assertThat(detail.at("/controls/writes").asBoolean()).isTrue();
        JsonNode listing = http.get("/stackquery/api/queries").json();
        assertThat(listing.get("writes").asBoolean()).isTrue();
        assertThat(listing.get("writesRefused").isNull()).isTrue();
        assertThat(detail.at("/controls/stateControls").asBoolean()).isFalse();
        assertThat(detail.at("/valuesShown").asBoolean()).isFalse();
        assertThat(detail.at("/query/data").isNull()).as("show-values is never by default").isTrue();
    }

    @Test
    void aQueryThatWasOnlySetShowsTheClientDefaultsAndNoL2EntryWhenThereIsNone() {
        QueryKey key = QueryKey.of("detail", "set");
        client.setQueryData(key, "ink");
        client.removeQueries(QueryFilter.exact(QueryKey.of("nothing"))).join();

        JsonNode detail = http.detail(key.canonical()).json();
        assertThat(detail.at("/optionsSource").asString()).contains("defaults");
        assertThat(option(detail, "staleTime")).isEqualTo("0s from defaults");
        assertThat(option(detail, "retry")).isEqualTo("3 from defaults");
        assertThat(option(detail, "type")).isEqualTo("unknown from defaults");
    }

    @Test
    void theLastErrorShowsItsClassAndFirstStackLinesButNotItsMessage() {
        QueryKey key = QueryKey.of("detail", "failing");
        client.fetchQuery(QueryOptions.<String>builder(key, ctx -> {
            throw new IllegalStateException("secret 42");
        }).retry(0).build()).exceptionally(e -> null).join();

        JsonNode detail = http.detail(key.canonical()).json();
        assertThat(detail.at("/query/status").asString()).isEqualTo("error");
        assertThat(detail.at("/errorUpdatedAt").asString()).isNotEmpty();
        List<String> stack = texts(detail.get("errorStack"));
        assertThat(stack.get(0)).isEqualTo("java.lang.IllegalStateException");
        assertThat(stack).anySatisfy(line -> assertThat(line).startsWith("    at "));
        assertThat(String.join("\n", stack)).doesNotContain("secret");

        JsonNode failed = http.get("/stackquery/api/events?type=FetchFailed&key=" + DevtoolsHttp.encode(
                key.canonical())).json();
        assertThat(failed.at("/events/0/error").asString()).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void aMissingOrMalformedKeyIsAnsweredWithItsReason() {
        DevtoolsHttp.Answer missing = http.detail("[\"detail\",\"absent\"]");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").asString()).contains("[\"detail\",\"absent\"]");
        DevtoolsHttp.Answer malformed = http.detail("[\"detail\",");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("error").asString()).contains("canonical");
        assertThat(http.get("/stackquery/api/query").status()).isEqualTo(400);
        DevtoolsHttp.Answer huge = http.detail("[1000e2147483647]");
        assertThat(huge.status()).as("a decimal BigDecimal cannot normalize").isEqualTo(400);
        assertThat(huge.json().get("error").asString()).contains("out of range");
    }

    @Test
    void theTimelineFiltersByKeyTypeAndTextAndLimits() {
        QueryKey one = QueryKey.of("timeline", 1);
        QueryKey two = QueryKey.of("timeline", 2);
        client.fetchQuery(QueryOptions.<String>builder(one, ctx -> "a").build()).join();
        client.fetchQuery(QueryOptions.<String>builder(two, ctx -> "b").build()).join();
        client.invalidateQueries(QueryFilter.exact(one)).join();

        JsonNode invalidated = http.get("/stackquery/api/events?type=invalidated&key="
                + DevtoolsHttp.encode(one.canonical())).json();
        assertThat(invalidated.get("count").asInt()).isEqualTo(1);
        assertThat(invalidated.at("/events/0/type").asString()).isEqualTo("Invalidated");
        assertThat(invalidated.at("/events/0/origin").asString()).isEqualTo("local");
        assertThat(invalidated.at("/events/0/key").asString()).isEqualTo("[\"timeline\",1]");
        assertThat(invalidated.get("capacity").asInt()).isEqualTo(1000);
        assertThat(texts(invalidated.get("types"))).contains("FetchSucceeded", "Lookup", "Updated", "Evicted");

        JsonNode fetches = http.get("/stackquery/api/events?type=FetchSucceeded,FetchStarted&q=TIMELINE").json();
        assertThat(fetches.get("events")).hasSizeGreaterThanOrEqualTo(4).allSatisfy(e -> {
            assertThat(e.get("key").asString()).startsWith("[\"timeline\",");
            assertThat(e.get("type").asString()).isIn("FetchSucceeded", "FetchStarted");
        });
        JsonNode succeeded = http.get("/stackquery/api/events?type=FetchSucceeded&key="
                + DevtoolsHttp.encode(two.canonical())).json();
        assertThat(succeeded.at("/events/0/durationMs").asLong()).isNotNegative();
        assertThat(succeeded.at("/events/0/attempts").asInt()).isEqualTo(1);

        JsonNode lookups = http.get("/stackquery/api/events?type=Lookup&key=" + DevtoolsHttp.encode(
                two.canonical())).json();
        assertThat(lookups.at("/events/0/level").asString()).isEqualTo("L1");
        assertThat(lookups.at("/events/0/result").asString()).isEqualTo("miss");

        JsonNode newest = http.get("/stackquery/api/events?limit=1").json();
        assertThat(newest.get("events")).hasSize(1);
        assertThat(newest.get("recorded").asLong()).isGreaterThan(5);
    }

    @Test
    void aTimelineRequestWithAnUnknownTypeOrABadLimitIsRefused() {
        DevtoolsHttp.Answer type = http.get("/stackquery/api/events?type=Exploded");
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.json().get("error").asString()).contains("Exploded", "FetchSucceeded");
        assertThat(http.get("/stackquery/api/events?limit=0").status()).isEqualTo(400);
        assertThat(http.get("/stackquery/api/events?limit=many").status()).isEqualTo(400);
        assertThat(http.get("/stackquery/api/events?key=%5Bbroken").status()).isEqualTo(400);
    }

    @Test
    void theStatsCountLookupsFetchesAndDurationsAndQueriesByStatus() {
        JsonNode before = http.get("/stackquery/api/stats").json();
        for (int i = 0; i < 3; i++) {
            QueryOptions<String> options = QueryOptions.<String>builder(QueryKey.of("stats", i), ctx -> "x")
                    .staleTime(Duration.ofHours(1)).build();
            client.fetchQuery(options).join();
            client.fetchQuery(options).join();
        }
        JsonNode after = http.get("/stackquery/api/stats").json();
        assertThat(sum(after, "fetched") - sum(before, "fetched")).isGreaterThanOrEqualTo(3);
        assertThat(sum(after, "l1Hit") - sum(before, "l1Hit")).isGreaterThanOrEqualTo(3);
        assertThat(after.at("/series/l1Hit")).hasSize(TrafficStats.SECONDS);
        assertThat(after.get("lastSecond").asLong() - after.get("firstSecond").asLong())
                .isEqualTo(TrafficStats.SECONDS - 1);
        assertThat(after.get("latency")).anySatisfy(l -> {
            assertThat(l.get("tag").asString()).isEqualTo("stats");
            assertThat(l.get("samples").asInt()).isGreaterThanOrEqualTo(3);
            assertThat(l.get("p99Ms").asLong()).isGreaterThanOrEqualTo(l.get("p50Ms").asLong());
        });
        assertThat(after.at("/statuses/success").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(after.get("queries").asInt()).isEqualTo(client.findAll(QueryFilter.all()).size());
    }

    @Test
    void invalidateRefetchResetAndRemoveChangeTheQuery() {
        QueryKey key = QueryKey.of("actions", 1);
        QueryOptions<Long> options = QueryOptions.<Long>builder(key, ctx -> System.nanoTime())
                .staleTime(Duration.ofHours(1)).build();
        client.fetchQuery(options).join();
        String canonical = key.canonical();

        DevtoolsHttp.Answer invalidate = http.act("invalidate", canonical);
        assertThat(invalidate.status()).isEqualTo(200);
        assertThat(invalidate.json().get("action").asString()).isEqualTo("invalidate");
        assertThat(invalidate.json().get("key").asString()).isEqualTo(canonical);
        await().until(() -> client.getQueryState(key).map(QueryState::invalidated).orElse(false));

        Long before = client.<Long>getQueryData(key).orElseThrow();
        assertThat(http.act("refetch", canonical).status()).isEqualTo(200);
        await().until(() -> !before.equals(client.<Long>getQueryData(key).orElse(before)));

        assertThat(http.act("reset", canonical).status()).isEqualTo(200);
        await().until(() -> client.getQueryState(key).map(s -> !s.hasData()).orElse(false));

        assertThat(http.act("remove", canonical).status()).isEqualTo(200);
        await().until(() -> client.getQueryState(key).isEmpty());
    }

    @Test
    void stateControlsAreOffByDefault() {
        QueryKey key = QueryKey.of("actions", "forced");
        client.setQueryData(key, "pen");
        for (String action : new String[] { "force-loading", "force-error", "restore" }) {
            DevtoolsHttp.Answer refused = http.act(action, key.canonical());
            assertThat(refused.status()).as(action).isEqualTo(403);
            assertThat(refused.json().get("error").asString()).contains("stackquery.devtools.state-controls=true");
        }
        assertThat(client.getQueryState(key).orElseThrow().isSuccess()).isTrue();
    }

    @Test
    void malformedActionsChangeNothing() {
        QueryKey key = QueryKey.of("actions", "kept");
        client.setQueryData(key, "pen");
        DevtoolsHttp.Answer unknown = http.act("explode", key.canonical());
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").asString()).contains("invalidate, refetch, reset, remove")
                .doesNotContain("force");
        assertThat(http.post("/stackquery/api/actions", "{\"action\":\"remove\"}").status()).isEqualTo(400);
        assertThat(http.post("/stackquery/api/actions", "not json").status()).isEqualTo(400);
        DevtoolsHttp.Answer nothing = http.post("/stackquery/api/actions", "null");
        assertThat(nothing.status()).isEqualTo(400);
        assertThat(nothing.json().get("error").asString()).contains("the body must be JSON");
        DevtoolsHttp.Answer text = http.post("/stackquery/api/actions", "remove", "text/plain");
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.json().get("error").asString()).contains("application/json");
        assertThat(http.act("remove", "[\"actions\",1000e2147483647]").status()).isEqualTo(400);
        assertThat(http.act("remove", "[\"actions\",").status()).isEqualTo(400);
        assertThat(client.getQueryData(key)).contains("pen");
    }

    @Test
    void thePageItsScriptAndItsStyleSheetAreServedSmall() {
        DevtoolsHttp.Answer page = http.get("/stackquery");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("src=\"stackquery/devtools.js\"", "href=\"stackquery/devtools.css\"")
                .doesNotContain("csrf-token").doesNotContain("http://").doesNotContain("https://");
        DevtoolsHttp.Answer script = http.get("/stackquery/devtools.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).startsWith("text/javascript");
        assertThat(script.body().length()).isBetween(1000, 24_000);
        DevtoolsHttp.Answer style = http.get("/stackquery/devtools.css");
        assertThat(style.contentType()).startsWith("text/css");
        assertThat(style.body().length()).isBetween(500, 6_000);
    }

    private static String option(JsonNode detail, String name) {
        for (JsonNode option : detail.get("options")) {
            if (option.get("name").asString().equals(name)) {
                return option.get("value").asString() + " from " + option.get("source").asString();
            }
        }
        throw new AssertionError("no option " + name + " in " + detail);
    }

    private static List<String> statuses(JsonNode detail) {
        List<String> statuses = new ArrayList<>();
        detail.get("history").forEach(h -> statuses.add(h.get("status").asString() + " "
                + h.get("fetchStatus").asString()));
        return statuses;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asString()));
        return texts;
    }

    private static long sum(JsonNode stats, String series) {
        long sum = 0;
        for (JsonNode count : stats.at("/series/" + series)) {
            sum += count.asLong();
        }
        return sum;
    }
}
