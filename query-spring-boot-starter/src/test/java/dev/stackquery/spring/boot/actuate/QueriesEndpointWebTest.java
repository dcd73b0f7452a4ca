package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The queries endpoint, health and meters through real HTTP on a random port. */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,metrics,queries",
        "management.endpoint.health.show-details=always", "management.health.redis.enabled=false",
        "stackquery.storage.type=memory", "stackquery.devtools.enabled=true" })
class QueriesEndpointWebTest {

    private static final String PRODUCT_1 = "[\"product\",1]";

    @Autowired
    QueryClient client;

    @LocalServerPort
    int port;

    Http http;

    @BeforeEach
    void fill() {
        http = new Http(port);
        client.clear().join();
        List<CompletableFuture<?>> fetches = new ArrayList<>();
        for (QueryKey key : List.of(QueryKey.of("product", 1), QueryKey.of("product", 2), QueryKey.of("user", 1))) {
            fetches.add(client.fetchQuery(QueryOptions.builder(key, ctx -> "secret of " + key)
                    .staleTime(Duration.ofMinutes(5)).type(String.class).build()));
        }
        CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void listsQueriesSortedByKeyWithoutTheirValues() {
        Http.Answer answer = http.get("/actuator/queries");
        assertThat(answer.status()).isEqualTo(200);
        JsonNode body = answer.json();
        assertThat(body.get("count").asInt()).isEqualTo(3);
        JsonNode first = body.get("queries").get(0);
        assertThat(first.get("key").asString()).isEqualTo(PRODUCT_1);
        assertThat(first.get("status").asString()).isEqualTo("success");
        assertThat(first.get("fetchStatus").asString()).isEqualTo("idle");
        assertThat(first.get("stale").asBoolean()).isFalse();
        assertThat(first.get("dataUpdatedAt").isNull()).isFalse();
        assertThat(first.path("data").isNull() || first.path("data").isMissingNode()).isTrue();
        assertThat(answer.body()).doesNotContain("secret");
    }

    @Test
    void filtersByPrefixAndStatus() {
        JsonNode products = http.get("/actuator/queries?prefix=" + Http.encode("[\"product\"]")).json();
        assertThat(products.get("count").asInt()).isEqualTo(2);
        assertThat(http.get("/actuator/queries?prefix=user").json().get("count").asInt()).isEqualTo(1);
        assertThat(http.get("/actuator/queries?status=error").json().get("count").asInt()).isZero();
        assertThat(http.get("/actuator/queries?status=SUCCESS").json().get("count").asInt()).isEqualTo(3);
    }

    @Test
    void showsOneQueryByItsCanonicalKeyAnd404ForAnUnknownOne() {
        Http.Answer one = http.get("/actuator/queries/" + Http.encode(PRODUCT_1));
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("key").asString()).isEqualTo(PRODUCT_1);
        assertThat(http.get("/actuator/queries/" + Http.encode("[\"product\",99]")).status()).isEqualTo(404);
    }

    @Test
    void invalidatesByPrefix() {
        Http.Answer answer = http.post("/actuator/queries",
                "{\"action\":\"invalidate\",\"prefix\":\"[\\\"product\\\"]\"}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("matched").asInt()).isEqualTo(2);
        assertThat(client.getQueryState(QueryKey.of("product", 1)).orElseThrow().invalidated()).isTrue();
        assertThat(client.getQueryState(QueryKey.of("user", 1)).orElseThrow().invalidated()).isFalse();
        assertThat(http.get("/actuator/queries/" + Http.encode(PRODUCT_1)).json().get("stale").asBoolean())
                .isTrue();
    }

    @Test
    void resetsOneKeyThroughItsPath() {
        Http.Answer answer = http.post("/actuator/queries/" + Http.encode(PRODUCT_1), "{\"action\":\"reset\"}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("matched").asInt()).isEqualTo(1);
        assertThat(client.getQueryData(QueryKey.of("product", 1))).isEmpty();
        assertThat(client.getQueryData(QueryKey.of("product", 2))).isPresent();
    }

    @Test
    void removesOneKeyAndAPrefix() {
        assertThat(http.delete("/actuator/queries/" + Http.encode(PRODUCT_1)).status()).isEqualTo(200);
        assertThat(client.findAll(QueryFilter.exact(QueryKey.of("product", 1)))).isEmpty();
        assertThat(client.size()).isEqualTo(2);

        Http.Answer all = http.delete("/actuator/queries?prefix=" + Http.encode("[\"product\"]"));
        assertThat(all.json().get("matched").asInt()).isEqualTo(1);
        assertThat(client.size()).isEqualTo(1);
    }

    @Test
    void badInputIs400WithAMessageAndChangesNothing() {
        Http.Answer malformed = http.get("/actuator/queries?prefix=" + Http.encode("[\"product\""));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body()).contains("prefix");

        Http.Answer status = http.get("/actuator/queries?status=sleeping");
        assertThat(status.status()).isEqualTo(400);
        assertThat(status.body()).contains("status");

        Http.Answer action = http.post("/actuator/queries", "{\"action\":\"explode\",\"prefix\":\"product\"}");
        assertThat(action.status()).isEqualTo(400);
        assertThat(action.body()).contains("action");

        Http.Answer both = http.post("/actuator/queries",
                "{\"action\":\"invalidate\",\"prefix\":\"product\",\"key\":\"user\"}");
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.json().get("error").asString()).contains("either 'prefix' or 'key'");

        Http.Answer badKey = http.post("/actuator/queries",
                "{\"action\":\"invalidate\",\"key\":\"[\\\"product\\\",1\"}");
        assertThat(badKey.status()).isEqualTo(400);

        Http.Answer arrayInsteadOfText = http.post("/actuator/queries",
                "{\"action\":\"invalidate\",\"key\":[\"product\",1]}");
        assertThat(arrayInsteadOfText.status()).isEqualTo(400);

        assertThat(client.findAll(QueryFilter.all())).hasSize(3)
                .allSatisfy(snapshot -> assertThat(snapshot.state().invalidated()).isFalse());
    }

    @Test
    void everyMisuseOfTheEndpointIs400WithItsReasonAndChangesNothing() {
        Http.Answer deleteNeither = http.delete("/actuator/queries");
        assertThat(deleteNeither.status()).isEqualTo(400);
        assertThat(deleteNeither.json().get("error").asString()).contains("either 'prefix' or 'key'", "neither");

        Http.Answer deleteBoth = http.delete("/actuator/queries?prefix=product&key=" + Http.encode(PRODUCT_1));
        assertThat(deleteBoth.status()).isEqualTo(400);
        assertThat(deleteBoth.json().get("error").asString()).contains("both");

        Http.Answer listBadKey = http.get("/actuator/queries?key=" + Http.encode("[bad"));
        assertThat(listBadKey.status()).isEqualTo(400);
        assertThat(listBadKey.json().get("error").asString()).contains("'key'");

        Http.Answer notJson = http.post("/actuator/queries", "action=invalidate&prefix=product");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().get("error").asString()).contains("JSON object");

        Http.Answer keyAsArray = http.post("/actuator/queries", "{\"action\":\"invalidate\",\"key\":[\"product\",1]}");
        assertThat(keyAsArray.status()).isEqualTo(400);
        assertThat(keyAsArray.json().get("error").asString()).contains("a key is a text");

        Http.Answer noAction = http.post("/actuator/queries", "{\"prefix\":\"product\"}");
        assertThat(noAction.status()).isEqualTo(400);
        assertThat(noAction.json().get("error").asString()).contains("'action'");

        for (Http.Answer empty : List.of(http.get("/actuator/queries/" + Http.encode("[]")),
                http.delete("/actuator/queries?prefix=" + Http.encode("[]")),
                http.post("/actuator/queries", "{\"action\":\"invalidate\",\"prefix\":\"[]\"}"))) {
            assertThat(empty.status()).isEqualTo(400);
            assertThat(empty.json().get("error").asString()).contains("at least one part");
        }
        assertThat(client.findAll(QueryFilter.all())).hasSize(3)
                .allSatisfy(snapshot -> assertThat(snapshot.state().invalidated()).isFalse());
    }

    @Test
    void deleteAndListTakeAnExactKeyToo() {
        client.setQueryData(QueryKey.of(new java.math.BigDecimal("1.5")), "decimal");
        Http.Answer decimal = http.get("/actuator/queries/" + Http.encode("[1.5]"));
        assertThat(decimal.status()).as("a decimal part in a path").isEqualTo(200);
        assertThat(http.get("/actuator/queries?key=" + Http.encode(PRODUCT_1)).json().get("count").asInt())
                .isEqualTo(1);
        Http.Answer removed = http.delete("/actuator/queries?key=" + Http.encode(PRODUCT_1));
        assertThat(removed.status()).isEqualTo(200);
        assertThat(removed.json().get("matched").asInt()).isEqualTo(1);
        assertThat(client.findAll(QueryFilter.exact(QueryKey.of("product", 1)))).isEmpty();
        assertThat(client.findAll(QueryFilter.exact(QueryKey.of("product", 2)))).hasSize(1);
    }

    @Test
    void healthReportsTheCacheAndItsL2() {
        Http.Answer health = http.get("/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        JsonNode stackquery = health.json().get("components").get("stackquery");
        assertThat(stackquery.get("status").asString()).isEqualTo("UP");
        assertThat(stackquery.get("details").get("queries").asInt()).isEqualTo(3);
        assertThat(stackquery.get("details").get("storage").asString()).isEqualTo("memory");
        assertThat(stackquery.get("details").get("l2").asString()).isEqualTo("UP");
    }

    @Test
    void fetchesAreMeteredWithOutcomeAndKeyTags() {
        Http.Answer fetches = http.get("/actuator/metrics/stackquery.fetches");
        assertThat(fetches.status()).isEqualTo(200);
        JsonNode body = fetches.json();
        assertThat(body.get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(3);
        assertThat(fetches.body()).contains("\"outcome\"").contains("\"key\"").contains("product");

        Http.Answer lookups = http.get("/actuator/metrics/stackquery.lookups?tag=level:l1&tag=result:miss");
        assertThat(lookups.status()).isEqualTo(200);
        assertThat(lookups.json().get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(3);
        assertThat(http.get("/actuator/metrics/stackquery.queries").json().get("measurements").get(0)
                .get("value").asDouble()).isEqualTo(3);
    }

    @Test
    void theDevtoolsPageAndItsJsonAreServedWhenEnabled() {
        Http.Answer page = http.get("/stackquery");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("StackQuery devtools").doesNotContain("http://", "https://");
        JsonNode listing = http.get("/stackquery/api/queries").json();
        assertThat(listing.get("count").asInt()).isEqualTo(3);
        assertThat(http.get("/stackquery/api/queries").body()).doesNotContain("secret");

        Http.Answer invalidate = http.post("/stackquery/api/actions",
                "{\"action\":\"invalidate\",\"key\":\"[\\\"user\\\",1]\"}");
        assertThat(invalidate.status()).isEqualTo(200);
        assertThat(client.getQueryState(QueryKey.of("user", 1)).orElseThrow().invalidated()).isTrue();

        Http.Answer unknown = http.post("/stackquery/api/actions",
                "{\"action\":\"explode\",\"key\":\"[\\\"user\\\",1]\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").asString()).contains("action");
        Http.Answer malformed = http.post("/stackquery/api/actions", "{\"action\":\"remove\",\"key\":\"[oops\"}");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(client.size()).as("nothing removed").isEqualTo(3);
    }
}
