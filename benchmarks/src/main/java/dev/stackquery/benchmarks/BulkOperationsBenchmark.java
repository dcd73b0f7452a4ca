package dev.stackquery.benchmarks;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmark 5: invalidation by prefix over 100 000 cached queries (all of them, and one), and {@code setQueryData}
 * beside a Caffeine {@code put} and a map {@code put}. Caffeine has no prefix invalidation; its nearest is
 * {@code invalidateAll()} over the same entries, which is reported for scale, not as an equivalent.
 */
public class BulkOperationsBenchmark {

    private static final String VALUE = "value";

    @State(Scope.Benchmark)
    public static class Caches {
        QueryKey[] keys;
        int[] sequence;
        QueryClient client;
        Cache<QueryKey, String> caffeine;
        ConcurrentHashMap<QueryKey, String> map;

        @Setup(Level.Trial)
        public void fill() {
            keys = Workload.keys(Workload.KEYS);
            sequence = Workload.zipfSequence(Workload.KEYS, 7);
            client = QueryClient.builder().maxQueries(Workload.KEYS * 2).build();
            caffeine = Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L).build();
            map = new ConcurrentHashMap<>();
            for (QueryKey key : keys) {
                client.setQueryData(key, VALUE);
                caffeine.put(key, VALUE);
                map.put(key, VALUE);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }


    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_invalidateAll100k(Caches caches) {
        return caches.client.invalidateQueries(QueryFilter.prefix("item")).join();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_invalidateOneOf100k(Caches caches, Cursor cursor) {
        QueryKey key = caches.keys[caches.sequence[cursor.next()]];
        return caches.client.invalidateQueries(QueryFilter.prefix(key)).join();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_invalidateExactOneOf100k(Caches caches, Cursor cursor) {
        QueryKey key = caches.keys[caches.sequence[cursor.next()]];
        return caches.client.invalidateQueries(QueryFilter.exact(key)).join();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_setQueryData(Caches caches, Cursor cursor) {
        return caches.client.setQueryData(caches.keys[caches.sequence[cursor.next()]], VALUE);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void caffeine_put(Caches caches, Cursor cursor) {
        caches.caffeine.put(caches.keys[caches.sequence[cursor.next()]], VALUE);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object concurrentHashMap_put(Caches caches, Cursor cursor) {
        return caches.map.put(caches.keys[caches.sequence[cursor.next()]], VALUE);
    }
}
