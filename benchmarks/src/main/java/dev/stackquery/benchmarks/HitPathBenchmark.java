package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.cache.caffeine.CaffeineCacheManager;

/**
 * Benchmarks 1 and 2: reading fresh cached data, ours beside the peers a Java user would pick instead. Every cache
 * holds the same 100 000 keys; reads follow one precomputed Zipf sequence.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HitPathBenchmark {

    private static final String VALUE = "value";

    @State(Scope.Benchmark)
    public static class Caches {
        QueryKey[] keys;
        QueryOptions<String>[] options;
        int[] sequence;
        QueryClient client;
        Cache<QueryKey, String> caffeine;
        AsyncCache<QueryKey, String> caffeineAsync;
        org.springframework.cache.Cache spring;
        ConcurrentHashMap<QueryKey, String> map;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void fill() {
            keys = Workload.keys(Workload.KEYS);
            sequence = Workload.zipfSequence(Workload.KEYS, 42);
            options = new QueryOptions[keys.length];
            client = QueryClient.builder().maxQueries(Workload.KEYS * 2).build();
            caffeine = Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L).build();
            caffeineAsync = Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L).buildAsync();
            CaffeineCacheManager manager = new CaffeineCacheManager("items");
            manager.setCaffeine(Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L));
            spring = manager.getCache("items");
            map = new ConcurrentHashMap<>();
            for (int i = 0; i < keys.length; i++) {
                // Fresh for the whole run: this measures the hit path, not revalidation.
                options[i] = QueryOptions.<String>builder(keys[i], ctx -> VALUE).staleTime(Duration.ofDays(1))
                        .gcTime(Duration.ofDays(1)).build();
                client.setQueryData(keys[i], VALUE);
                caffeine.put(keys[i], VALUE);
                caffeineAsync.put(keys[i], CompletableFuture.completedFuture(VALUE));
                spring.put(keys[i], VALUE);
                map.put(keys[i], VALUE);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }


    @Benchmark
    public CompletableFuture<String> stackquery_fetchQuery(Caches caches, Cursor cursor) {
        return caches.client.fetchQuery(caches.options[caches.sequence[cursor.next()]]);
    }

    @Benchmark
    public Object stackquery_getQueryData(Caches caches, Cursor cursor) {
        return caches.client.getQueryData(caches.keys[caches.sequence[cursor.next()]]);
    }

    @Benchmark
    public String caffeine_getIfPresent(Caches caches, Cursor cursor) {
        return caches.caffeine.getIfPresent(caches.keys[caches.sequence[cursor.next()]]);
    }

    @Benchmark
    public CompletableFuture<String> caffeineAsync_getIfPresent(Caches caches, Cursor cursor) {
        return caches.caffeineAsync.getIfPresent(caches.keys[caches.sequence[cursor.next()]]);
    }

    @Benchmark
    public String springCache_get(Caches caches, Cursor cursor) {
        return caches.spring.get(caches.keys[caches.sequence[cursor.next()]], () -> VALUE);
    }

    @Benchmark
    public String concurrentHashMap_get(Caches caches, Cursor cursor) {
        return caches.map.get(caches.keys[caches.sequence[cursor.next()]]);
    }
}
