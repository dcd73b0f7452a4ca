package dev.stackquery.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
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

/**
 * Benchmark 3: a key never seen (or long evicted) with a function that answers at once, awaited by the caller. Both
 * caches hold at most 10 000 entries and run the function on their default executor; keys cycle through 2^20, so a
 * key comes back only long after it was evicted.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MissPathBenchmark {

    private static final int KEY_COUNT = Workload.SEQUENCE;

    @State(Scope.Benchmark)
    public static class Caches {
        QueryKey[] keys;
        QueryClient client;
        AsyncLoadingCache<QueryKey, String> caffeine;

        @Setup(Level.Trial)
        public void create() {
            keys = Workload.keys(KEY_COUNT);
            client = QueryClient.builder().maxQueries(10_000).build();
            caffeine = Caffeine.newBuilder().maximumSize(10_000).buildAsync(key -> "value");
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }


    @Benchmark
    public String stackquery_fetchQuery(Caches caches, Cursor cursor) {
        QueryKey key = caches.keys[cursor.next()];
        return caches.client.fetchQuery(QueryOptions.of(key, ctx -> "value")).join();
    }

    @Benchmark
    public String caffeineAsyncLoading_get(Caches caches, Cursor cursor) {
        CompletableFuture<String> value = caches.caffeine.get(caches.keys[cursor.next()]);
        return value.join();
    }
}
