package dev.stackquery.spring.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.TypeRef;
import dev.stackquery.reactor.ReactiveQueryClient;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code @CachedQuery} on methods returning {@code Mono} and {@code Flux}, served by a real WebFlux server. */
@SpringBootTest(classes = CachedQueryWebFluxTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "stackquery.storage.type=memory" })
class CachedQueryWebFluxTest {

    record Product(long id, String name) {
    }

    /** A reactive service: its upstream answers when the test says so. */
    public static class Catalogue {
        private final AtomicInteger calls = new AtomicInteger();
        private volatile CompletableFuture<String> upstream = CompletableFuture.completedFuture("pen");

        public int calls() {
            return calls.get();
        }

        public void upstream(CompletableFuture<String> next) {
            upstream = next;
        }

        @CachedQuery(key = "'product', #id", staleTime = "1m")
        public Mono<Product> product(long id) {
            return Mono.defer(() -> {
                calls.incrementAndGet();
                return Mono.fromFuture(upstream).map(name -> new Product(id, name));
            });
        }

        @CachedQuery(key = "'products', #category", staleTime = "1m")
        public Flux<Product> products(String category) {
            return Flux.defer(() -> {
                calls.incrementAndGet();
                return Flux.just(new Product(1, category), new Product(2, category));
            });
        }

        @CachedQuery(key = "'empty'", retry = "0")
        public Mono<Product> nothing() {
            return Mono.empty();
        }
    }

    @RestController
    public static class Controller {
        private final Catalogue catalogue;

        public Controller(Catalogue catalogue) {
            this.catalogue = catalogue;
        }

        @GetMapping("/products/{id}")
        public Mono<Product> product(@PathVariable long id) {
            return catalogue.product(id);
        }

        @GetMapping("/categories/{category}")
        public Flux<Product> products(@PathVariable String category) {
            return catalogue.products(category);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
    static class App {
        @Bean
        Catalogue catalogue() {
            return new Catalogue();
        }

        @Bean
        Controller controller(Catalogue catalogue) {
            return new Controller(catalogue);
        }
    }

    @Autowired
    Catalogue catalogue;

    @Autowired
    QueryClient client;

    @Autowired
    ReactiveQueryClient reactive;

    @LocalServerPort
    int port;

    @BeforeEach
    void empty() {
        client.clear().join();
        catalogue.upstream(CompletableFuture.completedFuture("pen"));
    }

    @Test
    void monoAndFluxResultsAreCachedAndServedOverWebFlux() {
        Http http = new Http(port);
        int before = catalogue.calls();
        assertThat(http.get("/products/1").json().get("name").asString()).isEqualTo("pen");
        assertThat(http.get("/products/1").json().get("name").asString()).isEqualTo("pen");
        assertThat(http.get("/categories/pens").json()).hasSize(2);
        assertThat(http.get("/categories/pens").json()).hasSize(2);
        assertThat(catalogue.calls() - before).as("one upstream call per key").isEqualTo(2);
        assertThat(client.<List<Product>>getQueryData(QueryKey.of("products", "pens")).orElseThrow())
                .as("a Flux is cached as the list of its elements").hasSize(2);
    }

    @Test
    void cancellingOneSubscriptionDetachesThatCallerOnly() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        catalogue.upstream(slow);
        int before = catalogue.calls();
        Disposable leaving = catalogue.product(2).subscribe();
        AtomicReference<Product> kept = new AtomicReference<>();
        catalogue.product(2).subscribe(kept::set);
        leaving.dispose();
        slow.complete("slow pen");
        // The value reaches the subscriber on the thread that ends the fetch: wait for it.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(kept).hasValue(new Product(2, "slow pen")));
        assertThat(catalogue.calls() - before).isEqualTo(1);
        assertThat(client.getQueryData(QueryKey.of("product", 2))).contains(new Product(2, "slow pen"));
    }

    @Test
    void nothingIsCalledUntilSubscribedAndAnEmptyMonoIsAnError() {
        int before = catalogue.calls();
        Mono<Product> notYet = catalogue.product(3);
        assertThat(catalogue.calls()).as("cold").isEqualTo(before);
        assertThat(notYet.block(Duration.ofSeconds(5))).isEqualTo(new Product(3, "pen"));
        AtomicReference<Throwable> error = new AtomicReference<>();
        catalogue.nothing().doOnError(error::set).onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
        assertThat(error.get()).as("the method's own failure, unwrapped").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty Mono");
    }

    @Test
    void theReactiveFacadeIsABean() {
        client.setQueryData(QueryKey.of("product", 9), new Product(9, "set"));
        assertThat(reactive.getQueryData(QueryKey.of("product", 9), TypeRef.of(Product.class))
                .block(Duration.ofSeconds(5))).isEqualTo(new Product(9, "set"));
        assertThat(reactive.fetchQuery(QueryOptions.builder(QueryKey.of("x"), ctx -> "fetched").build())
                .block(Duration.ofSeconds(5))).isEqualTo("fetched");
        reactive.invalidateQueries(QueryFilter.prefix("product")).block(Duration.ofSeconds(5));
        assertThat(client.getQueryState(QueryKey.of("product", 9)).orElseThrow().invalidated()).isTrue();
    }
}
