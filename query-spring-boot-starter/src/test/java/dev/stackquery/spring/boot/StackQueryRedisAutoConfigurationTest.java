package dev.stackquery.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import dev.stackquery.InvalidationBus;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.StorageBackend;
import dev.stackquery.redis.RedisFetchLock;
import dev.stackquery.redis.RedisInvalidationBus;
import dev.stackquery.redis.RedisServer;
import dev.stackquery.redis.RedisStorageBackend;
import dev.stackquery.spring.annotation.Catalogue;
import dev.stackquery.spring.boot.actuate.StackQueryHealthAutoConfiguration;
import dev.stackquery.spring.boot.actuate.StackQueryHealthIndicator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Redis parts against a real Redis: present when the application has Redis, each switchable. */
class StackQueryRedisAutoConfigurationTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                        StackQueryAutoConfiguration.class, StackQueryRedisAutoConfiguration.class,
                        StackQueryHealthAutoConfiguration.class, StackQueryAnnotationsAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + REDIS.port(),
                        "stackquery.storage.key-prefix=autoconfig-test:");
    }

    @Test
    void withRedisAutoPicksRedisWithInvalidationAndTheFetchLock() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(RedisStorageBackend.class).hasSingleBean(RedisInvalidationBus.class)
                    .hasSingleBean(RedisFetchLock.class);
            Health health = context.getBean(StackQueryHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("storage", "redis").containsEntry("l2", "UP");
        });
    }

    @Test
    void invalidationAndTheFetchLockCanBeTurnedOff() {
        runner().withPropertyValues("stackquery.redis.invalidation.enabled=false",
                "stackquery.redis.fetch-lock.enabled=false").run(context -> {
                    assertThat(context).hasSingleBean(RedisStorageBackend.class)
                            .doesNotHaveBean(InvalidationBus.class).doesNotHaveBean(RedisFetchLock.class);
                });
    }

    @Test
    void noneKeepsRedisOut() {
        runner().withPropertyValues("stackquery.storage.type=none")
                .run(context -> assertThat(context).doesNotHaveBean(StorageBackend.class)
                        .doesNotHaveBean(InvalidationBus.class).hasSingleBean(QueryClient.class));
    }

    @Test
    void anUnreachableRedisIsReportedInHealthWithoutTakingItDown() {
        runner().withPropertyValues("spring.data.redis.port=1", "spring.data.redis.timeout=200ms",
                "stackquery.redis.invalidation.enabled=false").run(context -> {
                    Health health = context.getBean(StackQueryHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("l2", "DOWN").containsKey("l2Error");
                });
        runner().withPropertyValues("spring.data.redis.port=1", "stackquery.redis.invalidation.enabled=false",
                "stackquery.health.l2-down-status=OUT_OF_SERVICE").run(context -> assertThat(
                        context.getBean(StackQueryHealthIndicator.class).health().getStatus())
                        .isEqualTo(Status.OUT_OF_SERVICE));
    }

    @Test
    void aCachedQueryWithAGenericReturnTypeRoundTripsThroughRedis() {
        ApplicationContextRunner withCatalogue = runner().withBean(Catalogue.class)
                .withPropertyValues("stackquery.redis.fetch-lock.enabled=false");
        withCatalogue.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            catalogue.list("inks");
            String bean = context.getBeanNamesForType(Catalogue.class)[0];
            StorageBackend redis = context.getBean(StorageBackend.class);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> redis.get(QueryKey.of(bean + ".list", "inks")).join().isPresent());
        });
        withCatalogue.run(context -> {
            Catalogue restarted = context.getBean(Catalogue.class);
            List<Catalogue.Product> products = restarted.list("inks");
            assertThat(restarted.calls()).as("served from Redis").isZero();
            assertThat(products).containsExactly(new Catalogue.Product(1, "inks one"),
                    new Catalogue.Product(2, "inks two"));
        });
    }
}
