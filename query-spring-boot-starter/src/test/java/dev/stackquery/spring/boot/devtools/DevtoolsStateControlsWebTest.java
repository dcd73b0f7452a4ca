package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import dev.stackquery.FetchStatus;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryState;
import dev.stackquery.QueryStatus;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import tools.jackson.databind.JsonNode;

/**
 * With {@code stackquery.devtools.state-controls=true} (and values shown): force loading, force error and restore,
 * over real HTTP, seen by the client, the detail and the timeline.
 */
@SpringBootTest(classes = DevtoolsTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "stackquery.devtools.enabled=true", "stackquery.devtools.state-controls=true",
        "stackquery.actuator.show-values=always", "stackquery.storage.type=none",
        "management.health.redis.enabled=false" })
class DevtoolsStateControlsWebTest extends DevtoolsWebTest {

    @Test
    void forceLoadingThenErrorThenRestorePutsTheFirstStateBack() {
        QueryKey key = QueryKey.of("forced", 1);
        client.fetchQuery(QueryOptions.<List<String>>builder(key, ctx -> List.of("pen", "ink"))
                .staleTime(Duration.ofHours(1)).build()).join();
        QueryState<Object> original = client.getQueryState(key).orElseThrow();

        assertThat(http.act("force-loading", key.canonical()).status()).isEqualTo(200);
        QueryState<Object> loading = client.getQueryState(key).orElseThrow();
        assertThat(loading.status()).isEqualTo(QueryStatus.PENDING);
        assertThat(loading.fetchStatus()).isEqualTo(FetchStatus.FETCHING);
        assertThat(loading.hasData()).isFalse();
        JsonNode detail = http.detail(key.canonical()).json();
        assertThat(detail.at("/controls/forced").asBoolean()).isTrue();
        assertThat(detail.at("/controls/stateControls").asBoolean()).isTrue();
        assertThat(detail.at("/history/0/status").asString()).isEqualTo("pending");

        assertThat(http.act("force-error", key.canonical()).status()).isEqualTo(200);
        QueryState<Object> failed = client.getQueryState(key).orElseThrow();
        assertThat(failed.status()).isEqualTo(QueryStatus.ERROR);
        assertThat(failed.error()).isInstanceOf(ForcedErrorException.class);
        assertThat(failed.data()).as("forced on top of the original, not of the forced loading")
                .isEqualTo(List.of("pen", "ink"));
        JsonNode errored = http.detail(key.canonical()).json();
        assertThat(errored.at("/query/error").asString()).contains("forced by the StackQuery devtools");
        assertThat(errored.at("/query/data/1").asString()).as("values are shown").isEqualTo("ink");

        DevtoolsHttp.Answer restore = http.act("restore", key.canonical());
        assertThat(restore.status()).isEqualTo(200);
        assertThat(restore.json().get("result").asString()).isEqualTo("restored");
        assertThat(client.getQueryState(key)).contains(original);
        assertThat(http.detail(key.canonical()).json().at("/controls/forced").asBoolean()).isFalse();

        JsonNode updates = http.get("/stackquery/api/events?type=Updated&limit=3&key="
                + DevtoolsHttp.encode(key.canonical())).json();
        assertThat(updates.at("/events/0/status").asString()).isEqualTo("success");
        assertThat(updates.at("/events/1/status").asString()).isEqualTo("error");
        assertThat(updates.at("/events/2/status").asString()).isEqualTo("pending");
    }

    @Test
    void restoreRefetchesWhenAFetchReplacedTheForcedState() {
        QueryKey key = QueryKey.of("forced", 2);
        QueryOptions<Long> options = QueryOptions.<Long>builder(key, ctx -> System.nanoTime())
                .staleTime(Duration.ofHours(1)).build();
        client.fetchQuery(options).join();
        assertThat(http.act("force-error", key.canonical()).status()).isEqualTo(200);
        client.refetchQueries(QueryFilter.exact(key)).join();
        assertThat(client.getQueryState(key).orElseThrow().isSuccess()).isTrue();
        Long refetched = client.<Long>getQueryData(key).orElseThrow();

        DevtoolsHttp.Answer restore = http.act("restore", key.canonical());
        assertThat(restore.json().get("result").asString()).isEqualTo("refetched");
        await().until(() -> !refetched.equals(client.<Long>getQueryData(key).orElse(refetched)));
    }

    @Test
    void forcingAQueryThatIsNotInL1IsNotFound() {
        DevtoolsHttp.Answer answer = http.act("force-loading", "[\"forced\",\"absent\"]");
        assertThat(answer.status()).isEqualTo(404);
        assertThat(client.getQueryState(QueryKey.of("forced", "absent"))).isEmpty();
    }

    @Test
    void errorMessagesAreShownWhereValuesAre() {
        QueryKey key = QueryKey.of("forced", "failing");
        client.fetchQuery(QueryOptions.<String>builder(key, ctx -> {
            throw new IllegalStateException("upstream said 42");
        }).retry(0).build()).exceptionally(e -> null).join();

        JsonNode detail = http.detail(key.canonical()).json();
        assertThat(detail.at("/errorStack/0").asString()).isEqualTo("java.lang.IllegalStateException: upstream said 42");
        JsonNode failed = http.get("/stackquery/api/events?type=FetchFailed&key="
                + DevtoolsHttp.encode(key.canonical())).json();
        assertThat(failed.at("/events/0/error").asString()).endsWith("upstream said 42");
    }
}
