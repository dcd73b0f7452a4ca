package dev.stackquery.spring.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.redis.RedisServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Two applications with unchanged {@code @Cacheable} code on one real Redis: what one caches the other reads from L2
 * as the method's type without calling it, and an eviction on one reaches the other.
 */
class CacheManagerOnRedisTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    record Product(long id, String name) {
    }

    /** A service written for Spring's cache abstraction. */
    static class Catalogue {
        private final AtomicInteger calls = new AtomicInteger();
        private volatile String name = "first";

        public int calls() {
            return calls.get();
        }

        public void rename(String name) {
            this.name = name;
        }

        @Cacheable("products")
        public List<Product> products(String category) {
            calls.incrementAndGet();
            return List.of(new Product(1, name + " " + category));
        }

        @CacheEvict("products")
        public void evict(String category) {
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
    @EnableCaching
    static class App {
        @Bean
        Catalogue catalogue() {
            return new Catalogue();
        }
    }

    private ConfigurableApplicationContext a;
    private ConfigurableApplicationContext b;

    @BeforeEach
    void start() throws Exception {
        REDIS.start();
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
        a = instance();
        b = instance();
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static ConfigurableApplicationContext instance() {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties(
                "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + REDIS.port(),
                "stackquery.cache-manager.enabled=true", "stackquery.storage.key-prefix=cache-manager-test:").run();
    }

    @Test
    void oneInstancesCachedValueServesTheOtherAndAnEvictionReachesIt() throws Exception {
        Catalogue onA = a.getBean(Catalogue.class);
        Catalogue onB = b.getBean(Catalogue.class);
        assertThat(onA.products("pens")).containsExactly(new Product(1, "first pens"));
        await().atMost(Duration.ofSeconds(5)).until(() -> REDIS.command("EXISTS",
                "cache-manager-test:" + QueryKey.of("products", "pens").canonical()).equals(":1"));

        List<Product> fromL2 = onB.products("pens");
        assertThat(fromL2).as("read back from Redis as List<Product>").containsExactly(new Product(1, "first pens"));
        assertThat(fromL2.get(0)).isInstanceOf(Product.class);
        assertThat(onB.calls()).as("B did not call its method").isZero();

        onA.rename("second");
        onB.rename("second");
        onA.evict("pens");
        QueryClient clientOfB = b.getBean(QueryClient.class);
        await().atMost(Duration.ofSeconds(2)).until(() -> clientOfB.getQueryState(QueryKey.of("products", "pens"))
                .map(state -> state.invalidated()).orElse(true));
        assertThat(onB.products("pens")).as("the eviction on A reached B").containsExactly(
                new Product(1, "second pens"));
        assertThat(onB.calls()).isEqualTo(1);
    }
}
