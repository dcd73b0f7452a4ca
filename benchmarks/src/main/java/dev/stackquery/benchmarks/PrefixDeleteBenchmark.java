package dev.stackquery.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.stackquery.JacksonQueryCodec;
import dev.stackquery.QueryKey;
import dev.stackquery.StorageEntry;
import dev.stackquery.TypeRef;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.redis.RedisStorageBackend;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
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
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * Deleting one prefix's 10 entries among 1 000 000 in Redis: {@link RedisStorageBackend#deleteByPrefix} (one script
 * call moving the prefix's generation counter, and an {@code UNLINK} of the prefix's own entry) beside what the backend
 * did before generations: {@code UNLINK} of the prefix's own entry, then {@code SCAN MATCH <pattern> COUNT 500} over the
 * whole keyspace, {@code UNLINK} of each batch of 500 found, on the same reactive Spring template.
 *
 * <p>Redis holds 100 000 groups {@code ["g", group, 0..9]}, the envelopes the client writes; an operation deletes the
 * next group's prefix {@code ["g", group]}, so every SCAN+UNLINK operation finds and removes 10 keys. The keyspace is
 * loaded once per fork with pipelined {@code MSET}s of 1 000 keys, at most 16 in flight.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrefixDeleteBenchmark {

    static final int GROUPS = 100_000;
    static final int PER_GROUP = 10;
    private static final int MSET_KEYS = 1_000;
    private static final int MSETS_IN_FLIGHT = 16;
    private static final int SCAN_COUNT = 500;
    /** Bound of one SCAN+UNLINK pass (the old backend allowed 20 × its 250 ms operation timeout). */
    private static final Duration SCAN_BOUND = Duration.ofSeconds(60);

    @State(Scope.Benchmark)
    public static class Keyspace {
        RedisProcess server;
        LettuceConnectionFactory factory;
        RedisStorageBackend backend;
        ReactiveRedisTemplate<String, byte[]> template;
        final String keyPrefix = "stackquery:";

        @Setup(Level.Trial)
        public void fill() throws Exception {
            server = LocalRedis.start("PrefixDeleteBenchmark");
            factory = LocalRedis.factory(server);
            backend = RedisStorageBackend.builder(factory).keyPrefix(keyPrefix).build();
            template = new ReactiveRedisTemplate<>(factory, RedisSerializationContext
                    .<String, byte[]>newSerializationContext(RedisSerializer.byteArray())
                    .key(RedisSerializer.string()).value(RedisSerializer.byteArray()).build());

            // Every key here has the same depth and no counter yet, hence the same generation: entries as the
            // client would write them, current for the backend's reads.
            String generation = backend.generation(group(0, 0)).get(5, TimeUnit.SECONDS);
            byte[] envelope = new StorageEntry(new JacksonQueryCodec().encode("a small value",
                    TypeRef.of(String.class)), Instant.now(), generation).toBytes();
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + server.port());
            try (StatefulRedisConnection<byte[], byte[]> bulk = client.connect(ByteArrayCodec.INSTANCE)) {
                List<RedisFuture<String>> inFlight = new ArrayList<>();
                Map<byte[], byte[]> batch = new LinkedHashMap<>();
                for (int g = 0; g < GROUPS; g++) {
                    for (int j = 0; j < PER_GROUP; j++) {
                        batch.put((keyPrefix + group(g, j).canonical()).getBytes(StandardCharsets.UTF_8), envelope);
                    }
                    if (batch.size() >= MSET_KEYS || g == GROUPS - 1) {
                        inFlight.add(bulk.async().mset(batch));
                        batch = new LinkedHashMap<>();
                        if (inFlight.size() >= MSETS_IN_FLIGHT || g == GROUPS - 1) {
                            if (!LettuceFutures.awaitAll(30, TimeUnit.SECONDS, inFlight.toArray(new RedisFuture<?>[0]))) {
                                throw new IllegalStateException("loading the keyspace took more than 30 s a batch");
                            }
                            inFlight.clear();
                        }
                    }
                }
                long size = bulk.sync().dbsize();
                if (size != (long) GROUPS * PER_GROUP) {
                    throw new IllegalStateException("expected " + GROUPS * PER_GROUP + " keys, Redis has " + size);
                }
            } finally {
                client.shutdown();
            }
            check();
        }

        /** Both ways really delete: group 0 by the backend, group 1 by SCAN+UNLINK. */
        private void check() throws Exception {
            if (backend.get(group(0, 3)).get(5, TimeUnit.SECONDS).isEmpty()) {
                throw new IllegalStateException("the loaded entries do not read as current");
            }
            backend.deleteByPrefix(QueryKey.of("g", 0)).get(5, TimeUnit.SECONDS);
            for (int j = 0; j < PER_GROUP; j++) {
                if (backend.get(group(0, j)).get(5, TimeUnit.SECONDS).isPresent()) {
                    throw new IllegalStateException("deleteByPrefix left " + group(0, j) + " readable");
                }
            }
            if (backend.get(group(2, 0)).get(5, TimeUnit.SECONDS).isEmpty()) {
                throw new IllegalStateException("deleteByPrefix of [\"g\",0] deleted [\"g\",2,0]");
            }
            long removed = scanAndUnlink(this, QueryKey.of("g", 1));
            if (removed != PER_GROUP) {
                throw new IllegalStateException("SCAN+UNLINK removed " + removed + " keys, not " + PER_GROUP);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            backend.close();
            factory.destroy();
            server.close();
        }
    }

    /** The next group to delete, per thread; groups 0 and 1 went to the setup's check. */
    @State(Scope.Thread)
    public static class GroupCursor {
        int group = 1;

        QueryKey next() {
            group = group + 1 < GROUPS ? group + 1 : 2;
            return QueryKey.of("g", group);
        }
    }

    static QueryKey group(int group, int item) {
        return QueryKey.of("g", group, item);
    }

    /** What {@code deleteByPrefix} did before generations; returns how many keys it unlinked. */
    static long scanAndUnlink(Keyspace keyspace, QueryKey prefix) {
        String pattern = escapeGlob(keyspace.keyPrefix + prefix.canonicalChildPrefix()) + "*";
        Long removed = keyspace.template.unlink(keyspace.keyPrefix + prefix.canonical())
                .then(keyspace.template.scan(ScanOptions.scanOptions().match(pattern).count(SCAN_COUNT).build())
                        .buffer(SCAN_COUNT)
                        .concatMap(batch -> keyspace.template.unlink(batch.toArray(String[]::new)))
                        .reduce(0L, Long::sum))
                .block(SCAN_BOUND);
        return removed == null ? 0 : removed;
    }

    /** {@code text} with Redis glob characters escaped (as the old backend's {@code RedisKeys.escapeGlob}). */
    static String escapeGlob(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^' || c == '-') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Object stackquery_deleteByPrefix(Keyspace keyspace, GroupCursor cursor) throws Exception {
        return keyspace.backend.deleteByPrefix(cursor.next()).get(5, TimeUnit.SECONDS);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public long redis_scanMatchUnlink(Keyspace keyspace, GroupCursor cursor) {
        return scanAndUnlink(keyspace, cursor.next());
    }
}
