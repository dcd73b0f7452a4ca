package dev.stackquery.redis;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.stackquery.FetchLock;
import dev.stackquery.QueryKey;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Cluster-wide single flight on Redis: {@code SET <lockPrefix><canonical key> <token> NX PX <lease>}; released with a
 * compare-and-delete script so an instance never frees a lock that expired and was taken by another. A crashed
 * holder's lock simply expires. Thread-safe.
 */
public final class RedisFetchLock implements FetchLock {

    private static final RedisScript<Long> RELEASE = RedisScript.of(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            Long.class);

    private final ReactiveStringRedisTemplate redis;
    private final String lockPrefix;
    private final Duration operationTimeout;

    /** A lock with keys {@code stackquery:lock:<canonical key>} and a 250 ms call timeout. */
    public RedisFetchLock(ReactiveRedisConnectionFactory connectionFactory) {
        this(connectionFactory, "stackquery:lock:", Duration.ofMillis(250));
    }

    /** A lock with its own key prefix and call timeout. */
    public RedisFetchLock(ReactiveRedisConnectionFactory connectionFactory, String lockPrefix,
            Duration operationTimeout) {
        this.redis = new ReactiveStringRedisTemplate(Objects.requireNonNull(connectionFactory, "connectionFactory"));
        this.lockPrefix = Objects.requireNonNull(lockPrefix, "lockPrefix");
        this.operationTimeout = RedisKeys.requirePositive(operationTimeout, "operationTimeout");
    }

    @Override
    public CompletableFuture<Optional<Lease>> tryAcquire(QueryKey key, Duration lease) {
        String lockKey = lockPrefix + key.canonical();
        String token = UUID.randomUUID().toString();
        return redis.opsForValue().setIfAbsent(lockKey, token, lease)
                .timeout(operationTimeout)
                .map(acquired -> acquired
                        ? Optional.<Lease>of(() -> release(lockKey, token))
                        : Optional.<Lease>empty())
                .toFuture();
    }

    private CompletableFuture<Void> release(String lockKey, String token) {
        return redis.execute(RELEASE, List.of(lockKey), List.of(token)).then()
                .timeout(operationTimeout)
                .onErrorResume(error -> reactor.core.publisher.Mono.empty())
                .toFuture();
    }
}
