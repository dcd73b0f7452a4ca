/**
 * Redis for StackQuery, on Spring Data Redis with Lettuce: {@link dev.stackquery.redis.RedisStorageBackend} (the
 * shared L2), {@link dev.stackquery.redis.RedisInvalidationBus} (invalidations between instances) and
 * {@link dev.stackquery.redis.RedisFetchLock} (cluster-wide single flight).
 */
@NullMarked
package dev.stackquery.redis;

import org.jspecify.annotations.NullMarked;
