package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.AsyncCache;
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
 * Benchmark 4: 1 000 callers ask for one cold key whose function takes 1 ms (Caffeine: {@code AsyncCache.get(key,
 * loader)}, the loading path of {@code AsyncLoadingCache} with the loader given per call). One operation is the time until every
 * caller holds the value. Each caller is one {@code fetchQuery} call with its own future, issued back to back; the
 * function must run exactly once per key, which every operation checks (a second call fails the run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SingleFlightBenchmark {

    static final int CALLERS = 1000;

    @State(Scope.Benchmark)
    public static class Caches {
        final AtomicInteger keySequence = new AtomicInteger();
        QueryClient client;
        AsyncCache<QueryKey, String> caffeine;

        @Setup(Level.Trial)
        public void create() {
            client = QueryClient.builder().maxQueries(10_000).build();
            caffeine = Caffeine.newBuilder().maximumSize(10_000).buildAsync();
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    /** The 1 ms source; counts its calls for one key, so that concurrent operations do not mix their counts. */
    static String slowSource(AtomicInteger calls) {
        calls.incrementAndGet();
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "value";
    }

    @Benchmark
    public int stackquery_fetchQuery(Caches caches) {
        QueryKey key = QueryKey.of("cold", caches.keySequence.incrementAndGet());
        AtomicInteger calls = new AtomicInteger();
        // Fresh for the run: with the default staleTime of 0, callers arriving after the first fetch settles would
        // rightly start a background refetch of the stale value; this measures the cold-key stampede only.
        QueryOptions<String> options = QueryOptions.builder(key, ctx -> slowSource(calls))
                .staleTime(Duration.ofMinutes(1)).build();
        @SuppressWarnings("unchecked")
        CompletableFuture<String>[] callers = new CompletableFuture[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = caches.client.fetchQuery(options);
        }
        CompletableFuture.allOf(callers).join();
        return checkOneCall(calls);
    }

    @Benchmark
    public int caffeineAsyncLoading_get(Caches caches) {
        QueryKey key = QueryKey.of("cold", caches.keySequence.incrementAndGet());
        AtomicInteger calls = new AtomicInteger();
        @SuppressWarnings("unchecked")
        CompletableFuture<String>[] callers = new CompletableFuture[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = caches.caffeine.get(key, k -> slowSource(calls));
        }
        CompletableFuture.allOf(callers).join();
        return checkOneCall(calls);
    }

    private static int checkOneCall(AtomicInteger calls) {
        if (calls.get() != 1) {
            throw new IllegalStateException("single flight broken: " + calls.get() + " calls for one cold key");
        }
        return calls.get();
    }
}
