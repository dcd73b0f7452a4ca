package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

class RedisDownAtStartTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    @Test
    void aClientBuiltWhileRedisIsDownServesQueriesAndStartsUsingRedisWhenItComes() throws Exception {
        Assumptions.assumeTrue(REDIS.restartable(), "needs a redis-server process to stop");
        REDIS.stop();
        LettuceConnectionFactory factory = REDIS.connectionFactory();
        java.util.concurrent.ConcurrentLinkedQueue<QueryCacheEvent> events = new java.util.concurrent
                .ConcurrentLinkedQueue<>();
        try (QueryClient client = RedisQuerySupport.configure(QueryClient.builder(), factory)
                .listener(events::add).build()) {
            RedisStorageBackend probe = RedisStorageBackend.builder(factory).build();
            assertThat(probe.ping().join()).isFalse();
            for (int i = 0; i < 5; i++) {
                QueryKey key = QueryKey.of("down", i);
                assertThat(client.fetchQuery(QueryOptions.builder(key, ctx -> "from source").type(String.class)
                        .build()).get(5, TimeUnit.SECONDS)).isEqualTo("from source");
            }
            assertThat(events).anyMatch(e -> e instanceof QueryCacheEvent.StorageError);

            REDIS.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> probe.ping().join());
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                client.setQueryData(QueryKey.of("later"), "written");
                return REDIS.command("EXISTS", "stackquery:[\"later\"]").equals(":1");
            });
        } finally {
            factory.destroy();
        }
    }
}
