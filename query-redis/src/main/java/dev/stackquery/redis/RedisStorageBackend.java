package dev.stackquery.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.QueryKey;
import dev.stackquery.StorageBackend;
import dev.stackquery.StorageEntry;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import reactor.core.publisher.Mono;

/**
 * The shared L2 in Redis: one string value per query under {@code <keyPrefix><canonical key>}, holding the
 * {@link StorageEntry#toBytes() versioned envelope}, with the client's storage TTL as its Redis expiry.
 *
 * <p>Every call is non-blocking and bounded by {@code operationTimeout} (default 250 ms),
 * so a slow Redis never slows a query by more than that; the client then goes on with L1 and the source. Prefix
 * deletion walks the matching keys with {@code SCAN} (never {@code KEYS}) and removes them with batched
 * {@code UNLINK}; glob characters in keys are escaped. Lettuce reconnects by itself after Redis comes back.
 * Reads go through Lettuce's asynchronous API on a connection of their own (opened in the background from a
 * {@code LettuceConnectionFactory}), the rest through Spring's reactive template on the application's factory.
 * Thread-safe. {@link #close()} closes the read connection, not the factory, which belongs to the application.
 */
public final class RedisStorageBackend implements StorageBackend {

    private final ReactiveRedisTemplate<String, byte[]> redis;
    private final String keyPrefix;
    private final Duration operationTimeout;
    private final int batchSize;
    private final DirectReader reader;
    private volatile boolean lastCallFailed;

    private RedisStorageBackend(Builder builder) {
        RedisSerializationContext<String, byte[]> serialization = RedisSerializationContext
                .<String, byte[]>newSerializationContext(RedisSerializer.byteArray())
                .key(RedisSerializer.string())
                .value(RedisSerializer.byteArray())
                .build();
        this.redis = new ReactiveRedisTemplate<>(builder.connectionFactory, serialization);
        this.keyPrefix = builder.keyPrefix;
        this.operationTimeout = builder.operationTimeout;
        this.batchSize = builder.batchSize;
        this.reader = new DirectReader(builder.connectionFactory);
    }

    /** Starts a backend on the application's connection factory (e.g. Boot's {@code LettuceConnectionFactory}). */
    public static Builder builder(ReactiveRedisConnectionFactory connectionFactory) {
        return new Builder(Objects.requireNonNull(connectionFactory, "connectionFactory"));
    }

    @Override
    public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
        RedisStringAsyncCommands<byte[], byte[]> direct = reader.commands();
        if (direct != null) {
            RedisFuture<byte[]> call = direct.get(redisKey(key).getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Optional<StorageEntry>> read = call.toCompletableFuture()
                    .thenApply(bytes -> bytes == null ? Optional.<StorageEntry>empty()
                            : Optional.of(StorageEntry.fromBytes(bytes)))
                    .orTimeout(operationTimeout.toMillis(), TimeUnit.MILLISECONDS);
            read.whenComplete((found, error) -> {
                noteOutcome(error);
                if (error instanceof TimeoutException) {
                    call.cancel(false); // not left to pile up in Lettuce's queue while Redis is away
                }
            });
            return read;
        }
        return track(redis.opsForValue().get(redisKey(key))
                .map(bytes -> Optional.of(StorageEntry.fromBytes(bytes)))
                .defaultIfEmpty(Optional.empty()));
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(ttl, "ttl");
        return track(redis.opsForValue().set(redisKey(key), entry.toBytes(), ttl).then());
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        return track(redis.unlink(redisKey(key)).then());
    }

    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        String exact = redisKey(prefix);
        String pattern = RedisKeys.escapeGlob(keyPrefix + prefix.canonicalChildPrefix()) + "*";
        Mono<Void> below = redis.scan(ScanOptions.scanOptions().match(pattern).count(batchSize).build())
                .buffer(batchSize)
                .concatMap(batch -> redis.unlink(batch.toArray(String[]::new)))
                .then();
        // Prefix deletion may walk many keys: it gets a longer bound than single-key calls.
        return track(redis.unlink(exact).then(below), operationTimeout.multipliedBy(20));
    }

    /** Sends {@code PING}; completes with whether Redis answered within the operation timeout. Never fails. */
    @Override
    public CompletableFuture<Boolean> ping() {
        return redis.execute(connection -> connection.ping()).next()
                .map("PONG"::equalsIgnoreCase)
                .timeout(operationTimeout)
                .onErrorReturn(false)
                .defaultIfEmpty(false)
                .toFuture();
    }

    /** Whether the last call reached Redis; for health reporting without a round trip. */
    public boolean isAvailable() {
        return !lastCallFailed;
    }

    /** Whether reads already go through the backend's own connection (rather than the template). */
    boolean readsDirectly() {
        return reader.isOpen();
    }

    /** The prefix of every key this backend writes. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public String name() {
        return "redis";
    }

    /** Closes the read connection; the connection factory is the application's and stays open. */
    @Override
    public void close() {
        reader.close();
    }

    String redisKey(QueryKey key) {
        return keyPrefix + key.canonical();
    }

    private <X> CompletableFuture<X> track(Mono<X> call) {
        return track(call, operationTimeout);
    }

    private <X> CompletableFuture<X> track(Mono<X> call, Duration timeout) {
        return call.timeout(timeout)
                .doOnSuccess(ignored -> lastCallFailed = false)
                .doOnError(this::noteOutcome)
                .toFuture();
    }

    /** An unreadable entry is a fault of the entry, not of Redis. */
    private void noteOutcome(@Nullable Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        lastCallFailed = cause != null && !(cause instanceof CorruptStorageEntryException);
    }

    /** Builds a {@link RedisStorageBackend}; each setter checks its value. Not thread-safe. */
    public static final class Builder {

        private final ReactiveRedisConnectionFactory connectionFactory;
        private String keyPrefix = "stackquery:";
        private Duration operationTimeout = Duration.ofMillis(250);
        private int batchSize = 500;

        private Builder(ReactiveRedisConnectionFactory connectionFactory) {
            this.connectionFactory = connectionFactory;
        }

        /** Prefix of every key (default {@code stackquery:}); use one per application sharing a Redis. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /** Time limit of each Redis call (default 250 ms). */
        public Builder operationTimeout(Duration operationTimeout) {
            this.operationTimeout = RedisKeys.requirePositive(operationTimeout, "operationTimeout");
            return this;
        }

        /** SCAN count and UNLINK batch of prefix deletion (default 500). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** The backend. */
        public RedisStorageBackend build() {
            return new RedisStorageBackend(this);
        }
    }
}
