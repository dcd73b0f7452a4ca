package dev.stackquery.redis;

import java.util.Objects;

import dev.stackquery.QueryClient;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Puts a {@link QueryClient.Builder} on Redis in one call: the shared L2, the invalidation bus and cluster-wide single
 * flight, all three on by default as soon as Redis is used. For different settings, build the parts yourself.
 *
 * <pre>{@code
 * QueryClient client = RedisQuerySupport.configure(QueryClient.builder(), connectionFactory).build();
 * }</pre>
 */
public final class RedisQuerySupport {

    private RedisQuerySupport() {
    }

    /**
     * Configures {@code builder} with a {@link RedisStorageBackend}, a {@link RedisInvalidationBus} and a
     * {@link RedisFetchLock}, each with its default settings.
     */
    public static QueryClient.Builder configure(QueryClient.Builder builder,
            ReactiveRedisConnectionFactory connectionFactory) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(connectionFactory, "connectionFactory");
        return builder.storage(RedisStorageBackend.builder(connectionFactory).build())
                .invalidationBus(RedisInvalidationBus.builder(connectionFactory).build())
                .fetchLock(new RedisFetchLock(connectionFactory));
    }
}
