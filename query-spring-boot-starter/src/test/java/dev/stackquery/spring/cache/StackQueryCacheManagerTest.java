package dev.stackquery.spring.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.QueryClientCustomizer;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryCacheAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Existing {@code @Cacheable} code on the QueryClient, in a real context with Boot's cache auto-configuration. */
class StackQueryCacheManagerTest {

    record Product(long id, String name) {
    }

    /** A service written for Spring's cache abstraction, unchanged (read through its proxy by methods only). */
    static class Catalogue {
        private final AtomicInteger calls = new AtomicInteger();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        public int calls() {
            return calls.get();
        }

        public void gate(CountDownLatch gate) {
            this.gate = gate;
        }

        @Cacheable("products")
        public Product product(long id) {
            calls.incrementAndGet();
            return new Product(id, "v" + calls.get());
        }

        @Cacheable(cacheNames = "slow", sync = true)
        public Product slow(long id) throws InterruptedException {
            calls.incrementAndGet();
            gate.await(5, TimeUnit.SECONDS);
            return new Product(id, "v" + calls.get());
        }

        @Cacheable("lists")
        public List<Product> list(String category, int page) {
            calls.incrementAndGet();
            return List.of(new Product(page, category));
        }

        @Cacheable("async")
        public CompletableFuture<Product> async(long id) {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(new Product(id, "v" + calls.get()));
        }

        @Cacheable("nullable")
        public Product nothing(long id) {
            calls.incrementAndGet();
            return null;
        }

        @CacheEvict("products")
        public void rename(long id) {
        }

        @CacheEvict(cacheNames = "products", allEntries = true)
        public void renameAll() {
        }

        @CachePut(cacheNames = "products", key = "#product.id()")
        public Product save(Product product) {
            return product;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    static class App {
        final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

        @Bean
        Catalogue catalogue() {
            return new Catalogue();
        }

        @Bean
        MutableClock clock() {
            return clock;
        }

        @Bean
        QueryClientCustomizer fakeClock() {
            return builder -> builder.clock(clock);
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                    StackQueryCacheAutoConfiguration.class, CacheAutoConfiguration.class))
            .withUserConfiguration(App.class)
            .withPropertyValues("stackquery.cache-manager.enabled=true", "stackquery.storage.type=memory");

    @Test
    void bootsCacheAutoConfigurationBacksOffAndAnnotatedMethodsAreCachedAsQueries() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(CacheManager.class);
            assertThat(context.getBean(CacheManager.class)).isInstanceOf(StackQueryCacheManager.class);
            Catalogue catalogue = context.getBean(Catalogue.class);
            QueryClient client = context.getBean(QueryClient.class);

            assertThat(catalogue.product(1)).isEqualTo(new Product(1, "v1"));
            assertThat(catalogue.product(1)).isEqualTo(new Product(1, "v1"));
            assertThat(catalogue.calls()).isEqualTo(1);
            assertThat(client.getQueryData(QueryKey.of("products", 1))).contains(new Product(1, "v1"));
            List<dev.stackquery.QueryCacheEvent.Lookup> lookups = new java.util.concurrent.CopyOnWriteArrayList<>();
            dev.stackquery.Subscription listening = client.addListener(event -> {
                if (event instanceof dev.stackquery.QueryCacheEvent.Lookup lookup) {
                    lookups.add(lookup);
                }
            });
            catalogue.product(1);
            listening.unsubscribe();
            assertThat(lookups).as("a plain @Cacheable hit counts as an L1 hit, as fetchQuery's do").singleElement()
                    .satisfies(lookup -> assertThat(lookup.result())
                            .isEqualTo(dev.stackquery.QueryCacheEvent.LookupResult.HIT));

            catalogue.rename(1);
            assertThat(client.getQueryState(QueryKey.of("products", 1)).orElseThrow().invalidated()).isTrue();
            assertThat(catalogue.product(1)).as("an evicted entry is a miss").isEqualTo(new Product(1, "v2"));

            catalogue.save(new Product(1, "saved"));
            assertThat(catalogue.product(1)).isEqualTo(new Product(1, "saved"));

            catalogue.product(2);
            catalogue.renameAll();
            int before = catalogue.calls();
            catalogue.product(1);
            catalogue.product(2);
            assertThat(catalogue.calls() - before).as("allEntries evicts the whole cache").isEqualTo(2);

            assertThat(catalogue.list("pens", 3)).containsExactly(new Product(3, "pens"));
            catalogue.list("pens", 3);
            assertThat(client.findAll(dev.stackquery.QueryFilter.prefix("lists"))).extracting(s -> s.key().canonical()).containsExactly("[\"lists\",[\"pens\",3]]");

            assertThat(catalogue.async(5).join()).isEqualTo(catalogue.async(5).join());
            assertThat(catalogue.nothing(9)).isNull();
            int nulls = catalogue.calls();
            assertThat(catalogue.nothing(9)).isNull();
            assertThat(catalogue.calls()).as("a null result is cached too").isEqualTo(nulls);
        });
    }

    @Test
    void syncCachingIsOneCallForConcurrentCallersAndStaleWhileRevalidate() {
        runner.withPropertyValues("stackquery.cache-manager.stale-time=10s").run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            MutableClock clock = context.getBean(MutableClock.class);
            CountDownLatch gate = new CountDownLatch(1);
            catalogue.gate(gate);
            int callers = 16;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                CyclicBarrier start = new CyclicBarrier(callers);
                List<Future<Product>> results = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return catalogue.slow(7);
                    }));
                }
                while (catalogue.calls() == 0) {
                    Thread.onSpinWait();
                }
                gate.countDown();
                for (Future<Product> result : results) {
                    assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(new Product(7, "v1"));
                }
                assertThat(catalogue.calls()).as("one call for " + callers + " callers").isEqualTo(1);

                clock.advance(Duration.ofSeconds(11));
                assertThat(catalogue.slow(7)).as("stale: served at once while it refreshes")
                        .isEqualTo(new Product(7, "v1"));
                QueryClient client = context.getBean(QueryClient.class);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!client.<Product>getQueryData(QueryKey.of("slow", 7)).orElseThrow().name().equals("v2")
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(catalogue.slow(7)).isEqualTo(new Product(7, "v2"));
                assertThat(catalogue.calls()).isEqualTo(2);
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void aFailingMethodReachesTheCallerAsItsOwnExceptionAndCachesNothing() {
        runner.run(context -> {
            StackQueryCacheManager manager = context.getBean(StackQueryCacheManager.class);
            var cache = manager.getCache("failing");
            IllegalStateException boom = new IllegalStateException("upstream down");
            assertThatThrownBy(() -> cache.get("k", () -> {
                throw boom;
            })).isInstanceOf(org.springframework.cache.Cache.ValueRetrievalException.class).hasCause(boom);
            assertThat(cache.get("k")).isNull();
            assertThat(cache.get("k", () -> "loaded")).isEqualTo("loaded");
        });
    }

    @Test
    void aFixedSetOfNamesRefusesOthersAndTheRestStaysWithTheApplication() {
        runner.withPropertyValues("stackquery.cache-manager.cache-names=products").run(context -> {
            StackQueryCacheManager manager = context.getBean(StackQueryCacheManager.class);
            assertThat(manager.getCache("other")).isNull();
            assertThat(manager.getCacheNames()).containsExactly("products");
            assertThatThrownBy(() -> context.getBean(Catalogue.class).list("x", 1))
                    .hasMessageContaining("lists");
        });
        runner.withPropertyValues("stackquery.cache-manager.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(StackQueryCacheManager.class).hasSingleBean(CacheManager.class));
    }
}
