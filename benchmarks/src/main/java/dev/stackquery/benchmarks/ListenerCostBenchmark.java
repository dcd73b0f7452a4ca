package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.spring.boot.actuate.StackQueryMetrics;
import dev.stackquery.spring.boot.devtools.DevtoolsForBenchmarks;

import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What listening costs a fresh L1 hit: the hit path of {@link HitPathBenchmark} with no listener, with the Micrometer
 * meters the starter binds ({@code metrics}), and with those and the devtools console's recorder ({@code devtools}),
 * as an application with Actuator and {@code stackquery.devtools.enabled=true} runs it; beside Caffeine counting its
 * hits with its meters bound.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ListenerCostBenchmark {

    private static final String VALUE = "value";

    @State(Scope.Benchmark)
    public static class Client {

        @Param({"none", "metrics", "devtools"})
        public String listeners;

        /** {@code stackquery.metrics.key-tag-depth}: 1 by default; 0 tags no meter by key. */
        @Param({"1"})
        public int keyTagDepth;

        QueryOptions<String>[] options;
        int[] sequence;
        QueryClient client;
        StackQueryMetrics metrics;
        AutoCloseable devtools;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void fill() {
            QueryKey[] keys = Workload.keys(Workload.KEYS);
            sequence = Workload.zipfSequence(Workload.KEYS, 42);
            options = new QueryOptions[keys.length];
            client = QueryClient.builder().maxQueries(Workload.KEYS * 2).build();
            if (!listeners.equals("none")) {
                metrics = new StackQueryMetrics(client, keyTagDepth);
                metrics.bindTo(new SimpleMeterRegistry());
            }
            if (listeners.equals("devtools")) {
                devtools = DevtoolsForBenchmarks.record(client);
            }
            for (int i = 0; i < keys.length; i++) {
                options[i] = QueryOptions.<String>builder(keys[i], ctx -> VALUE).staleTime(Duration.ofDays(1))
                        .gcTime(Duration.ofDays(1)).build();
                client.setQueryData(keys[i], VALUE);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            if (devtools != null) {
                devtools.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            client.close();
        }
    }

    /** The peer: Caffeine counting its hits ({@code recordStats}) with its meters bound, as Boot's cache metrics do. */
    @State(Scope.Benchmark)
    public static class CaffeineWithStats {

        QueryKey[] keys;
        int[] sequence;
        Cache<QueryKey, String> cache;

        @Setup(Level.Trial)
        public void fill() {
            keys = Workload.keys(Workload.KEYS);
            sequence = Workload.zipfSequence(Workload.KEYS, 42);
            cache = Caffeine.newBuilder().maximumSize(Workload.KEYS * 2L).recordStats().build();
            CaffeineCacheMetrics.monitor(new SimpleMeterRegistry(), cache, "items");
            for (QueryKey key : keys) {
                cache.put(key, VALUE);
            }
        }
    }

    @Benchmark
    public CompletableFuture<String> stackquery_fetchQuery(Client state, Cursor cursor) {
        return state.client.fetchQuery(state.options[state.sequence[cursor.next()]]);
    }

    @Benchmark
    public String caffeineRecordingStats_getIfPresent(CaffeineWithStats state, Cursor cursor) {
        return state.cache.getIfPresent(state.keys[state.sequence[cursor.next()]]);
    }
}
