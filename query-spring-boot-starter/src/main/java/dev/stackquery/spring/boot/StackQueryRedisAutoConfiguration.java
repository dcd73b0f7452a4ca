package dev.stackquery.spring.boot;

import dev.stackquery.FetchLock;
import dev.stackquery.InvalidationBus;
import dev.stackquery.StorageBackend;
import dev.stackquery.redis.RedisFetchLock;
import dev.stackquery.redis.RedisInvalidationBus;
import dev.stackquery.redis.RedisStorageBackend;
import dev.stackquery.spring.boot.StackQueryProperties.StorageType;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Redis as L2, with cross-instance invalidation and cluster-wide single flight, when the application has a reactive
 * Redis connection factory (Boot's Lettuce one, from {@code spring-boot-starter-data-redis}; Jedis has no reactive
 * API) and query-redis, and {@code stackquery.storage.type} is {@code auto} or {@code redis}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({ RedisStorageBackend.class, ReactiveRedisConnectionFactory.class })
@ConditionalOnBean(ReactiveRedisConnectionFactory.class)
@ConditionalOnStorageType({ StorageType.AUTO, StorageType.REDIS })
public final class StackQueryRedisAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(StorageBackend.class)
    RedisStorageBackend stackQueryRedisStorage(ReactiveRedisConnectionFactory connectionFactory,
            StackQueryProperties properties) {
        StackQueryProperties.Storage storage = properties.getStorage();
        // Generation counters outlive the entries written under them, so that none is read as stale for nothing.
        return RedisStorageBackend.builder(connectionFactory).keyPrefix(storage.getKeyPrefix())
                .operationTimeout(storage.getTimeout()).generationTtl(storage.getTtl().multipliedBy(2)).build();
    }

    @Bean
    @ConditionalOnMissingBean(InvalidationBus.class)
    @ConditionalOnBooleanProperty(name = "stackquery.redis.invalidation.enabled", matchIfMissing = true)
    RedisInvalidationBus stackQueryRedisInvalidationBus(ReactiveRedisConnectionFactory connectionFactory,
            StackQueryProperties properties) {
        return RedisInvalidationBus.builder(connectionFactory)
                .channel(properties.getRedis().getInvalidation().getChannel()).build();
    }

    @Bean
    @ConditionalOnMissingBean(FetchLock.class)
    @ConditionalOnBooleanProperty(name = "stackquery.redis.fetch-lock.enabled", matchIfMissing = true)
    RedisFetchLock stackQueryRedisFetchLock(ReactiveRedisConnectionFactory connectionFactory,
            StackQueryProperties properties) {
        return new RedisFetchLock(connectionFactory, properties.getStorage().getKeyPrefix() + "lock:",
                properties.getStorage().getTimeout());
    }
}
