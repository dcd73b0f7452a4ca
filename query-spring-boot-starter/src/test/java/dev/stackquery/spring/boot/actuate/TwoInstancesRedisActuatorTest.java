package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.StorageBackend;
import dev.stackquery.redis.RedisServer;
import dev.stackquery.redis.RedisStorageBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Two applications sharing one real Redis, as two instances of a service: L2 and invalidations are shared. */
class TwoInstancesRedisActuatorTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private ConfigurableApplicationContext a;
    private ConfigurableApplicationContext b;

    @BeforeEach
    void start() {
        a = instance("a");
        b = instance("b");
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

    private static ConfigurableApplicationContext instance(String name) {
        return new SpringApplicationBuilder(TestApplication.class).properties("server.port=0",
                "spring.application.name=" + name, "spring.data.redis.host=127.0.0.1",
                "spring.data.redis.port=" + REDIS.port(), "management.endpoints.web.exposure.include=queries",
                "stackquery.storage.key-prefix=two-instances-test:").run();
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @Test
    void autoStorageIsRedisAndOneInstancesDataServesTheOther() {
        assertThat(a.getBean(StorageBackend.class)).isInstanceOf(RedisStorageBackend.class);
        AtomicInteger calls = new AtomicInteger();
        QueryOptions<String> options = QueryOptions.<String>builder(QueryKey.of("product", 1),
                ctx -> "pen #" + calls.incrementAndGet()).type(String.class).staleTime(Duration.ofMinutes(5)).build();
        assertThat(a.getBean(QueryClient.class).fetchQuery(options).join()).isEqualTo("pen #1");
        StorageBackend shared = a.getBean(StorageBackend.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> shared.get(options.key()).join().isPresent());
        assertThat(b.getBean(QueryClient.class).fetchQuery(options).join()).isEqualTo("pen #1");
        assertThat(calls).as("b served a's value from Redis").hasValue(1);
    }

    @Test
    void anInvalidationPostedToOnesActuatorReachesTheOthersL1() {
        QueryKey key = QueryKey.of("product", 2);
        QueryClient other = b.getBean(QueryClient.class);
        other.setQueryData(key, "ink");
        a.getBean(QueryClient.class).setQueryData(QueryKey.of("product", 3), "paper");
        assertThat(other.getQueryState(key).orElseThrow().invalidated()).isFalse();

        Http.Answer answer = new Http(port(a)).post("/actuator/queries",
                "{\"action\":\"invalidate\",\"prefix\":\"[\\\"product\\\"]\"}");
        assertThat(answer.status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                other.getQueryState(key).orElseThrow().invalidated()).isTrue());
    }
}
