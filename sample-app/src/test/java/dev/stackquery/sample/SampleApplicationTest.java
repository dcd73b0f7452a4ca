package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The sample through real HTTP, against its simulated upstream (no failures, short latency). */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:sqlite:target/sample-app-test-${random.uuid}.db", "sample.upstream.latency=50ms",
        "sample.upstream.failure-rate=0", "sample.product-stale-time=1h" })
class SampleApplicationTest {

    @LocalServerPort
    int port;

    @Autowired
    Upstream upstream;

    @Autowired
    QueryClient client;

    private Http.Answer get(String path) {
        return new Http(port).get(path);
    }

    @Test
    void aProductIsFetchedOnceThenServedFromTheCacheAndConcurrentCallersShareOneCall() {
        client.clear().join();
        long before = upstream.calls();
        List<CompletableFuture<Http.Answer>> callers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            callers.add(CompletableFuture.supplyAsync(() -> get("/products/3")));
        }
        for (CompletableFuture<Http.Answer> caller : callers) {
            assertThat(caller.join().body()).contains("\"name\":\"Notebook A5\"");
        }
        assertThat(get("/products/3").status()).isEqualTo(200);
        assertThat(upstream.calls() - before).as("one upstream call for 17 requests").isEqualTo(1);
    }

    @Test
    void anUnknownProductIs404AndItsAbsenceIsCached() {
        long before = upstream.calls();
        assertThat(get("/products/404").status()).isEqualTo(404);
        assertThat(get("/products/404").status()).isEqualTo(404);
        assertThat(upstream.calls() - before).isEqualTo(1);
    }

    @Test
    void theDashboardFetchesItsQueriesInParallel() {
        Http.Answer dashboard = get("/dashboard");
        assertThat(dashboard.status()).isEqualTo(200);
        assertThat(dashboard.body()).contains("\"featured\"").contains("\"stats\"").contains("Fountain pen");
    }

    @Test
    void ordersDependOnTheUser() {
        assertThat(get("/users/2/orders").body()).contains("\"name\":\"Bob\"").contains("\"productIds\":[1,2,3]");
        long before = upstream.calls();
        assertThat(get("/users/9/orders").status()).isEqualTo(404);
        assertThat(upstream.calls() - before).as("no orders call for a missing user").isEqualTo(1);
    }

    @Test
    void anUpdateIsOptimisticAndARejectedOneIsRolledBack() {
        assertThat(get("/products/5").body()).contains("Eraser");
        Http.Answer updated = new Http(port).put("/products/5", "{\"name\":\"Soft eraser\",\"price\":2.5}");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body()).contains("Soft eraser");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get("/products/5").body())
                .contains("Soft eraser"));

        Http.Answer rejected = new Http(port).put("/products/5", "{\"name\":\"\",\"price\":1}");
        assertThat(rejected.status()).isEqualTo(400);
        assertThat(client.<java.util.Optional<Model.Product>>getQueryData(QueryKey.of("product", 5)))
                .as("rolled back to the value before the rejected update")
                .hasValueSatisfying(p -> assertThat(p).hasValueSatisfying(product -> assertThat(product.name())
                        .isEqualTo("Soft eraser")));
    }

    @Test
    void actuatorShowsHealthMetricsAndQueries() {
        get("/products/1");
        assertThat(get("/actuator/health").body()).contains("\"stackquery\"").contains("\"storage\":\"jdbc\"");
        assertThat(get("/actuator/metrics/stackquery.lookups").status()).isEqualTo(200);
        assertThat(get("/actuator/queries").body()).contains("[\\\"product\\\",1]");
    }
}
