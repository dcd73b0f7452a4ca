package dev.stackquery.spring.boot.actuate;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.RetryDelay;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Each source call is an Observation: a child of the request that missed, parent of the upstream call it made. */
class StackQueryObservationsTest {

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                    StackQueryObservationAutoConfiguration.class))
            .withBean(ObservationRegistry.class, () -> registry);

    @Test
    void aCacheMissTracesToTheUpstreamCallItMade() {
        runner.run(context -> {
            QueryClient client = context.getBean(QueryClient.class);
            // The function calls an upstream that observes itself, as an HTTP client or a repository does.
            QueryOptions<String> product = QueryOptions.builder(QueryKey.of("product", 42), ctx ->
                    Observation.createNotStarted("upstream.call", registry).observe(() -> "pen"))
                    .staleTime(Duration.ofHours(1)).build(); // fresh on the second read: no background refetch
            Observation request = Observation.createNotStarted("http.server.requests", registry).start();
            try (Observation.Scope scope = request.openScope()) {
                client.fetchQuery(product).join();
            } finally {
                request.stop();
            }
            assertThat(registry).hasObservationWithNameEqualTo("stackquery.fetch").that()
                    .hasLowCardinalityKeyValue("key", "product")
                    .hasLowCardinalityKeyValue("attempt", "1")
                    .hasLowCardinalityKeyValue("outcome", "success")
                    .hasParentObservationEqualTo(request)
                    .hasBeenStopped();
            assertThat(registry).hasObservationWithNameEqualTo("upstream.call").that()
                    .hasParentObservationContextMatching(parent -> parent.getName().equals("stackquery.fetch"));
            client.fetchQuery(product).join();
            assertThat(registry).hasNumberOfObservationsWithNameEqualTo("stackquery.fetch", 1); // a hit calls nothing
        });
    }

    @Test
    void eachAttemptIsOneObservationWithItsOutcome() {
        runner.run(context -> {
            QueryClient client = context.getBean(QueryClient.class);
            assertThatThrownBy(() -> client.fetchQuery(QueryOptions.<String>builder(QueryKey.of("down"), ctx -> {
                throw new IllegalStateException("upstream down");
            }).retry(1).retryDelay(RetryDelay.fixed(Duration.ofMillis(1))).build()).join())
                    .hasRootCauseMessage("upstream down");
            assertThat(registry).hasNumberOfObservationsWithNameEqualTo("stackquery.fetch", 2)
                    .hasAnObservation(o -> o.hasLowCardinalityKeyValue("attempt", "2")
                            .hasLowCardinalityKeyValue("outcome", "error").assertThatError()
                            .hasMessage("upstream down"));
        });
    }

    @Test
    void withoutARegistryNothingIsObserved() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                StackQueryObservationAutoConfiguration.class)).run(context -> {
                    QueryClient client = context.getBean(QueryClient.class);
                    client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> "v").build()).join();
                    assertThat(registry).doesNotHaveAnyObservation();
                });
    }
}
