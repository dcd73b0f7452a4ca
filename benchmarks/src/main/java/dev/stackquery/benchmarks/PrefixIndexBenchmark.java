package dev.stackquery.benchmarks;

import java.util.concurrent.TimeUnit;

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
 * Benchmark 9: L1 prefix operations among 1 000 000 queries, keyed {@code ["g", group, i]} (100 000 groups of 10): an
 * invalidation (and a {@code findAll}) of one group's prefix matches 10 queries, and its cost should follow those
 * 10, not the million. Beside it, for scale: the exact invalidation of one of them.
 */
public class PrefixIndexBenchmark {

    static final int GROUPS = 100_000;
    static final int PER_GROUP = 10;

    @State(Scope.Benchmark)
    public static class Million {
        QueryClient client;
        QueryFilter[] groupPrefixes;
        QueryFilter[] exactKeys;
        int next;

        @Setup(Level.Trial)
        public void fill() {
            client = QueryClient.builder().maxQueries(GROUPS * PER_GROUP * 2).build();
            groupPrefixes = new QueryFilter[GROUPS];
            exactKeys = new QueryFilter[GROUPS];
            for (int g = 0; g < GROUPS; g++) {
                groupPrefixes[g] = QueryFilter.prefix("g", g);
                exactKeys[g] = QueryFilter.exact(QueryKey.of("g", g, 3));
                for (int i = 0; i < PER_GROUP; i++) {
                    client.setQueryData(QueryKey.of("g", g, i), "value");
                }
            }
            if (client.size() != GROUPS * PER_GROUP
                    || client.findAll(QueryFilter.prefix("g", 7)).size() != PER_GROUP) {
                throw new IllegalStateException("not the workload: " + client.size() + " queries");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }

        int nextGroup() {
            int g = next;
            next = g + 1 == GROUPS ? 0 : g + 1;
            return g;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_invalidateTenAmongAMillion(Million state) {
        return state.client.invalidateQueries(state.groupPrefixes[state.nextGroup()]).join();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_findAllTenAmongAMillion(Million state) {
        return state.client.findAll(state.groupPrefixes[state.nextGroup()]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_invalidateExactOneAmongAMillion(Million state) {
        return state.client.invalidateQueries(state.exactKeys[state.nextGroup()]).join();
    }
}
