package dev.stackquery.redis;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import reactor.core.publisher.Mono;

/**
 * The shared L2 in Redis: one string value per query under {@code <keyPrefix><canonical key>}, holding the
 * {@link StorageEntry#toBytes() versioned envelope}, with the client's storage TTL as its Redis expiry.
 *
 * <p><b>Generations</b> (see {@link StorageBackend}) are counters: {@code <keyPrefix>gen:key:<canonical key>}, moved on
 * by {@link #delete}, and {@code <keyPrefix>gen:prefix:<canonical prefix>}, moved on by {@link #deleteByPrefix} (the
 * empty prefix {@code []} by a delete of everything). A key's generation is the list of its own counter and the
 * counters of each of its prefixes, from {@code []} to the key itself, read with the entry in one {@code MGET}; a
 * missing counter reads as 0. An entry is returned only while the generation it carries is the key's. A counter
 * moves on by a script ({@code INCR}, started from Redis' {@code TIME} in microseconds when missing, so that a counter
 * that expired never comes back to a value it had) and lives {@code generationTtl} (default 48 h; keep it longer than
 * the client's storage TTL) after its last change. So an invalidation of a key or of a prefix costs one script call
 * whatever the number of keys below it, and a write of data read before a delete never shows after it, however late
 * it lands; no clock is compared between hosts. Entries left behind by a prefix delete are overwritten by the next
 * write of their key or expire by their TTL. On a cluster every command names one key (the {@code MGET} of a read is
 * split by slot by Lettuce). Needs Redis 5 or later (a script that reads {@code TIME} and then writes), and a
 * {@code maxmemory-policy} that evicts no counter before the entries that depend on it ({@code noeviction}, or
 * {@code volatile-ttl}, which evicts the entries first as counters live longer): an evicted counter reads as 0 again,
 * and entries written before it existed would count as current once more.
 *
 * <p>Every call is non-blocking and bounded by {@code operationTimeout} (default 250 ms; {@link #callTimeout()}),
 * so a slow Redis never slows a query by more than that; the client then goes on with L1 and the source. Lettuce
 * reconnects by itself after Redis comes back.
 * Reads go to Redis on a connection of their own (opened in the background from a {@code LettuceConnectionFactory}):
 * each is one Lettuce command ({@link LookupCommand}) that writes its {@code MGET} straight from the query key and
 * reads the reply in place, timed by one {@link ReadTimer} for all reads; the rest goes through Spring's reactive
 * template on the application's factory, as reads do until that connection is open (and on a cluster, through
 * Lettuce's own {@code MGET}).
 * Thread-safe. {@link #close()} closes the read connection, not the factory, which belongs to the application.
 */
public final class RedisStorageBackend implements StorageBackend {

    private static final System.Logger LOG = System.getLogger(RedisStorageBackend.class.getName());

    /** Moves a generation counter on: KEYS[1] the counter, ARGV[1] its time to live in ms. */
    private static final RedisScript<Long> NEXT_GENERATION = RedisScript.of("""
            local v = redis.call('INCR', KEYS[1])
            if v == 1 then
              local t = redis.call('TIME')
              v = redis.call('INCRBY', KEYS[1], t[1] .. string.format('%06d', tonumber(t[2])))
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return v
            """, Long.class);
    private final ReactiveRedisTemplate<String, byte[]> redis;
    private final KeyLayout layout;
    private final Duration operationTimeout;
    private final Duration generationTtl;
    private final DirectReader reader;
    private final ReadTimer readTimer;
    private volatile boolean ttlWarned;
    private volatile boolean lastCallFailed;

    private RedisStorageBackend(Builder builder) {
        RedisSerializationContext<String, byte[]> serialization = RedisSerializationContext
                .<String, byte[]>newSerializationContext(RedisSerializer.byteArray())
                .key(RedisSerializer.string())
                .value(RedisSerializer.byteArray())
                .build();
        this.redis = new ReactiveRedisTemplate<>(builder.connectionFactory, serialization);
        this.layout = new KeyLayout(builder.keyPrefix);
        this.operationTimeout = builder.operationTimeout;
        this.generationTtl = builder.generationTtl;
        this.reader = new DirectReader(builder.connectionFactory);
        this.readTimer = new ReadTimer(builder.operationTimeout);
    }

    /** Starts a backend on the application's connection factory (e.g. Boot's {@code LettuceConnectionFactory}). */
    public static Builder builder(ReactiveRedisConnectionFactory connectionFactory) {
        return new Builder(Objects.requireNonNull(connectionFactory, "connectionFactory"));
    }

    @Override
    public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
        return lookup(key).thenApply(Lookup::entry);
    }

    @Override
    public CompletableFuture<Lookup> lookup(QueryKey key) {
        return read(key, true);
    }

    @Override
    public CompletableFuture<String> generation(QueryKey key) {
        return read(key, false).thenApply(Lookup::generation);
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(generationTtl) >= 0 && !ttlWarned) {
            ttlWarned = true;
            LOG.log(Level.WARNING, "entries live " + ttl + " but generation counters only " + generationTtl
                    + ": an entry that outlives the counters of its key reads as a miss; set generationTtl longer");
        }
        if (entry.generation().isEmpty()) {
            // From a writer that does not track generations: as of now. Two calls, one time limit.
            return generation(key).thenCompose(now -> put(key, new StorageEntry(entry.value(),
                    entry.dataUpdatedAt(), now), ttl)).orTimeout(operationTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return track(redis.opsForValue().set(layout.entry(key), entry.toBytes(), ttl).then());
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        return track(nextGeneration(layout.keyCounter(key)).then(redis.unlink(layout.entry(key))).then());
    }

    /**
     * Moves the prefix's generation on: one script call, whatever the number of keys below it. The prefix's own entry
     * is unlinked too; the entries below it are never returned again and go with their TTL or their next write.
     */
    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        return track(nextGeneration(layout.prefixCounter(prefix)).then(redis.unlink(layout.entry(prefix))).then());
    }

    private Mono<Long> nextGeneration(String counter) {
        return redis.execute(NEXT_GENERATION, List.of(counter),
                List.of(Long.toString(generationTtl.toMillis()).getBytes(StandardCharsets.US_ASCII))).next();
    }

    /**
     * One {@code MGET} of the keys a read of {@code key} names ({@link KeyLayout}), bounded by the operation timeout:
     * on the backend's own connection when it is open, else through the template.
     */
    private CompletableFuture<Lookup> read(QueryKey key, boolean withEntry) {
        Objects.requireNonNull(key, "key");
        DirectReader.Open direct = reader.open();
        StatefulRedisConnection<byte[], byte[]> standalone = direct == null ? null : direct.standalone();
        if (standalone != null) {
            LookupCommand read = new LookupCommand(layout, key, withEntry, this);
            readTimer.watch(read);
            try {
                standalone.dispatch(read);
            } catch (RuntimeException e) {
                read.completeExceptionally(e);
            }
            return read;
        }
        List<String> keys = layout.readKeys(key, withEntry);
        if (direct != null) {
            byte[][] raw = new byte[keys.size()][];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = keys.get(i).getBytes(StandardCharsets.UTF_8);
            }
            RedisFuture<List<KeyValue<byte[], byte[]>>> call = direct.commands().mget(raw);
            CompletableFuture<Lookup> read = call.toCompletableFuture()
                    .thenApply(found -> {
                        LookupOutput output = new LookupOutput(withEntry);
                        for (KeyValue<byte[], byte[]> value : found) {
                            output.add(value.hasValue() ? value.getValue() : null);
                        }
                        return output.lookup();
                    })
                    .orTimeout(operationTimeout.toMillis(), TimeUnit.MILLISECONDS);
            read.whenComplete((found, error) -> {
                noteOutcome(error);
                if (error instanceof TimeoutException) {
                    call.cancel(false); // not left to pile up in Lettuce's queue while Redis is away
                }
            });
            return read;
        }
        return track(redis.opsForValue().multiGet(keys).map(found -> {
            LookupOutput output = new LookupOutput(withEntry);
            for (int i = 0; i < keys.size(); i++) {
                output.add(i < found.size() ? found.get(i) : null);
            }
            return output.lookup();
        }));
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

    /** Every call completes within the operation timeout, failing with a timeout when Redis is slower. */
    @Override
    public Optional<Duration> callTimeout() {
        return Optional.of(operationTimeout);
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
        return layout.prefix();
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
        return layout.entry(key);
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
        noteAnswer(cause == null || cause instanceof CorruptStorageEntryException);
    }

    /** A read on the backend's own connection ended: answered by Redis or not (timed out, disconnected). */
    void readEnded(boolean answered) {
        noteAnswer(answered);
        readTimer.ended();
    }

    /** Records whether Redis answered the last call; writes the flag only when it changes, as every read calls this. */
    private void noteAnswer(boolean answered) {
        if (lastCallFailed == answered) {
            lastCallFailed = !answered;
        }
    }

    /** Builds a {@link RedisStorageBackend}; each setter checks its value. Not thread-safe. */
    public static final class Builder {

        private final ReactiveRedisConnectionFactory connectionFactory;
        private String keyPrefix = "stackquery:";
        private Duration operationTimeout = Duration.ofMillis(250);
        private Duration generationTtl = Duration.ofHours(48);

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

        /**
         * Formerly the SCAN count and UNLINK batch of prefix deletion; ignored since a prefix delete moves one
         * generation counter and walks no keys.
         *
         * @deprecated prefix deletion no longer walks keys; this setting has no effect
         */
        @Deprecated
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
            }
            return this;
        }

        /**
         * How long a generation counter lives after its last change (default 48 h). Keep it longer than the client's
         * storage TTL: an entry that outlives its key's counter reads as stale once (a spurious miss, never a stale
         * hit).
         */
        public Builder generationTtl(Duration generationTtl) {
            this.generationTtl = RedisKeys.requirePositive(generationTtl, "generationTtl");
            return this;
        }

        /** The backend. */
        public RedisStorageBackend build() {
            return new RedisStorageBackend(this);
        }
    }
}
