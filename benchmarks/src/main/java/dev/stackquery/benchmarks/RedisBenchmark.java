package dev.stackquery.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.JacksonQueryCodec;
import dev.stackquery.QueryOptions;
import dev.stackquery.StorageEntry;
import dev.stackquery.TypeRef;
import dev.stackquery.redis.RedisInvalidationBus;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.redis.RedisStorageBackend;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Redis benchmarks (a {@code redis-server} on 127.0.0.1 that the benchmark starts): an L2 hit through
 * {@code fetchQuery} on a cold L1 beside a raw Lettuce {@code GET} of the same bytes and a raw {@code MGET} of the
 * keys the backend reads (the entry and its key's generation counters: 5 keys for {@code ["item", i]}), and the time
 * from an invalidation on one instance until another instance's L1 knows (sampled, for p50/p99). The end-to-end
 * figure, until the other instance's {@code fetchQuery} returns the new value, is {@link PropagationBenchmark}.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RedisBenchmark {

    static final int KEYS = 20_000;

    @State(Scope.Benchmark)
    public static class Redis {
        RedisProcess server;
        LettuceConnectionFactory factoryA;
        LettuceConnectionFactory factoryB;
        QueryClient a;
        QueryClient b;
        QueryKey[] keys;
        QueryOptions<String>[] options;
        byte[][] rawKeys;
        /** Per key, what one L2 read of the backend fetches with one {@code MGET}: the entry and its counters. */
        byte[][][] readKeys;
        RedisClient rawClient;
        StatefulRedisConnection<byte[], byte[]> raw;
        RedisCommands<byte[], byte[]> rawCommands;
        final AtomicReference<CompletableFuture<Void>> invalidationSeen = new AtomicReference<>();

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void start() throws Exception {
            server = LocalRedis.start("RedisBenchmark");
            factoryA = LocalRedis.factory(server);
            factoryB = LocalRedis.factory(server);
            // a: L2 only, and an L1 far smaller than the keys, so every read below is an L1 miss and an L2 hit.
            a = QueryClient.builder().maxQueries(100).storage(RedisStorageBackend.builder(factoryA).build())
                    .invalidationBus(RedisInvalidationBus.builder(factoryA).build()).instanceId("a").build();
            b = QueryClient.builder().storage(RedisStorageBackend.builder(factoryB).build())
                    .invalidationBus(RedisInvalidationBus.builder(factoryB).build()).instanceId("b")
                    .listener(event -> {
                        if (event instanceof QueryCacheEvent.Invalidated) {
                            CompletableFuture<Void> waiting = invalidationSeen.get();
                            if (waiting != null) {
                                waiting.complete(null);
                            }
                        }
                    }).build();
            keys = Workload.keys(KEYS);
            options = new QueryOptions[KEYS];
            rawKeys = new byte[KEYS][];
            rawClient = RedisClient.create("redis://127.0.0.1:" + server.port());
            raw = rawClient.connect(ByteArrayCodec.INSTANCE);
            rawCommands = raw.sync();
            readKeys = new byte[KEYS][][];
            String value = "{\"id\":1,\"name\":\"a product with a name\",\"price\":1999,\"tags\":[\"x\",\"y\"]}";
            byte[] encoded = new JacksonQueryCodec().encode(value, TypeRef.of(String.class));
            // The same envelope the client writes, with the key's generation as the backend reads it (no counter
            // exists yet, so every key's generation is the same), set synchronously so the setup does not flood
            // Redis. A stale generation would send the read to the source, which fails the benchmark.
            RedisStorageBackend generations = RedisStorageBackend.builder(factoryA).build();
            byte[] envelope = new StorageEntry(encoded, Instant.now(),
                    generations.generation(keys[0]).get(5, TimeUnit.SECONDS)).toBytes();
            generations.close();
            for (int i = 0; i < KEYS; i++) {
                options[i] = QueryOptions.<String>builder(keys[i], ctx -> {
                    throw new IllegalStateException("the source must not be called: L2 holds every key");
                }).type(String.class).staleTime(Duration.ofDays(1)).retry(0).build();
                rawKeys[i] = ("stackquery:" + keys[i].canonical()).getBytes(StandardCharsets.UTF_8);
                rawCommands.set(rawKeys[i], envelope);
                readKeys[i] = readKeys(keys[i], rawKeys[i]);
            }
            b.setQueryData(QueryKey.of("watched"), "x");
        }

        /** The entry's key, then its key's counter and its prefixes' from {@code []} to the key, as the backend. */
        private static byte[][] readKeys(QueryKey key, byte[] entry) {
            List<byte[]> read = new ArrayList<>();
            read.add(entry);
            read.add(("stackquery:gen:key:" + key.canonical()).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i <= key.parts().size(); i++) {
                read.add(("stackquery:gen:prefix:" + QueryKey.ofParts(key.parts().subList(0, i)).canonical())
                        .getBytes(StandardCharsets.UTF_8));
            }
            return read.toArray(new byte[0][]);
        }


        @TearDown(Level.Trial)
        public void stop() throws Exception {
            a.close();
            b.close();
            raw.close();
            rawClient.shutdown();
            factoryA.destroy();
            factoryB.destroy();
            server.close();
        }
    }

    @State(Scope.Thread)
    public static class KeyCursor {
        int position;

        int next() {
            position = (position + 7919) % KEYS;
            return position;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public String stackquery_l2HitOnColdL1(Redis redis, KeyCursor cursor) {
        return redis.a.fetchQuery(redis.options[cursor.next()]).join();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public byte[] lettuce_rawGet(Redis redis, KeyCursor cursor) {
        return redis.rawCommands.get(redis.rawKeys[cursor.next()]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public List<KeyValue<byte[], byte[]>> lettuce_rawMget(Redis redis, KeyCursor cursor) {
        return redis.rawCommands.mget(redis.readKeys[cursor.next()]);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void stackquery_invalidationPropagation(Redis redis) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        redis.invalidationSeen.set(seen);
        redis.a.invalidateQueries(QueryFilter.exact(QueryKey.of("watched")));
        seen.orTimeout(5, TimeUnit.SECONDS).join();
    }
}
