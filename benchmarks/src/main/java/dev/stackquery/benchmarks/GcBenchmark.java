package dev.stackquery.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryDefaults;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryScheduler;

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
 * Benchmark 8: garbage collection of one due query among 100 000 that are not due. Each operation fetches a new
 * query with {@code gcTime} 0 (on the calling thread), moves a manual clock on by one second and runs the timers due:
 * the GC's timer removes that query. The cost that matters is the timer's, which should grow with the queries due,
 * not with the size of L1 (a sweep over L1 costs milliseconds here; the fetch of a new key a few microseconds).
 */
public class GcBenchmark {

    private static final int RESIDENT = 100_000;

    /** Timers that run when {@link #runDue} is called, on the calling thread. */
    static final class ManualScheduler implements QueryScheduler {
        private record Task(long due, long seq, Runnable action) {
        }

        private final MutableClock clock;
        private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
                ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
        private long seq;

        ManualScheduler(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized Cancellable schedule(Runnable action, Duration delay) {
            Task task = new Task(clock.millis() + delay.toMillis(), seq++, action);
            tasks.add(task);
            return () -> {
                synchronized (ManualScheduler.this) {
                    tasks.remove(task);
                }
            };
        }

        void runDue() {
            while (true) {
                Task next;
                synchronized (this) {
                    next = tasks.peek();
                    if (next == null || next.due > clock.millis()) {
                        return;
                    }
                    tasks.poll();
                }
                next.action.run();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Resident {
        final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        final ManualScheduler scheduler = new ManualScheduler(clock);
        QueryClient client;
        long next;

        @Setup(Level.Trial)
        public void fill() {
            client = QueryClient.builder().clock(clock).scheduler(scheduler).executor(Runnable::run)
                    .maxQueries(RESIDENT * 2)
                    .defaults(QueryDefaults.builder().gcTime(Duration.ofDays(365)).build()).build();
            for (int i = 0; i < RESIDENT; i++) {
                client.setQueryData(QueryKey.of("resident", i), "value");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (client.size() > RESIDENT + 1) {
                throw new IllegalStateException("due queries were not collected: " + client.size());
            }
            client.close();
        }

        QueryOptions<String> dueQuery() {
            return QueryOptions.builder(QueryKey.of("due", next++), ctx -> "v").gcTime(Duration.ZERO).build();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object stackquery_collectOneDueAmong100k(Resident state) {
        Object value = state.client.fetchQuery(state.dueQuery()).join();
        state.clock.advance(Duration.ofSeconds(1));
        state.scheduler.runDue();
        return value;
    }
}
