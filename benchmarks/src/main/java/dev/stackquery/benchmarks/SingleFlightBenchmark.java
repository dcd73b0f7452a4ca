package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Benchmark 4: 1 000 callers ask for one cold key whose function takes 1 ms. One operation is the time until every
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
        final AtomicInteger calls = new AtomicInteger();
        QueryClient client;
        AsyncLoadingCache<QueryKey, String> caffeine;

        @Setup(Level.Trial)
        public void create() {
            client = QueryClient.builder().maxQueries(10_000).build();
            caffeine = Caffeine.newBuilder().maximumSize(10_000).buildAsync(key -> slowSource());
        }

        String slowSource() throws InterruptedException {
            calls.incrementAndGet();
            Thread.sleep(1);
            return "value";
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    @Benchmark
    public int stackquery_fetchQuery(Caches caches) {
        QueryKey key = QueryKey.of("cold", caches.keySequence.incrementAndGet());
        // Fresh for the run: with the default staleTime of 0, callers arriving after the first fetch settles would
        // rightly start a background refetch of the stale value; this measures the cold-key stampede only.
        QueryOptions<String> options = QueryOptions.builder(key, ctx -> caches.slowSource())
                .staleTime(Duration.ofMinutes(1)).build();
        int before = caches.calls.get();
        @SuppressWarnings("unchecked")
        CompletableFuture<String>[] callers = new CompletableFuture[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = caches.client.fetchQuery(options);
        }
        CompletableFuture.allOf(callers).join();
        return checkOneCall(caches, before);
    }

    @Benchmark
    public int caffeineAsyncLoading_get(Caches caches) {
        QueryKey key = QueryKey.of("cold", caches.keySequence.incrementAndGet());
        int before = caches.calls.get();
        @SuppressWarnings("unchecked")
        CompletableFuture<String>[] callers = new CompletableFuture[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = caches.caffeine.get(key);
        }
        CompletableFuture.allOf(callers).join();
        return checkOneCall(caches, before);
    }

    private static int checkOneCall(Caches caches, int before) {
        int calls = caches.calls.get() - before;
        if (calls != 1) {
            throw new IllegalStateException("single flight broken: " + calls + " calls for one cold key");
        }
        return calls;
    }
}
