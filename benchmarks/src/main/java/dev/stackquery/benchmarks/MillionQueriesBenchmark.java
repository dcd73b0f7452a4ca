package dev.stackquery.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryDefaults;
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
 * Benchmark 11 (scale): a million queries in one client at {@code -Xmx1g}, beside a Caffeine cache of the same
 * million entries. Keys are {@code ["item", i]}, values short strings, and reads follow one Zipf sequence over the
 * million (each thread from its own offset), as in the other benchmarks. After loading, each cache is read once
 * through the sequence, as an application's would have been.
 *
 * <ul>
 * <li>{@code *_readWrite90_10}: of ten operations, nine read and one writes a new value, on the keys of the
 * sequence: {@code fetchQuery} with options kept per key (staleTime one day, so a read is a hit) and
 * {@code setQueryData}; Caffeine {@code getIfPresent} and {@code put}. Both are bounded at exactly a million, so
 * nothing is evicted.
 * <li>{@code *_readDuringEviction}: reads of the same million while another thread writes new keys, a sweep being
 * 1 % of the bound plus one (10 001) writes: StackQuery, once past its bound, scans L1 for the 1 % least recently read
 * and evicts them, on the thread whose write took it past; Caffeine evicts as it goes. A read that misses loads the
 * value, as an application's would ({@code fetchQuery}'s function, on the calling thread; Caffeine
 * {@code get(key, loader)}).
 * <li>{@code stackquery_readDuringGc}, {@code caffeine_readDuringExpiry}: reads while another thread writes 10 000
 * new queries, moves a manual clock by 1 ms and runs what is due, which removes the 10 000 queries whose gcTime (100
 * ms) ran out (the GC's timer, on that thread); the sweep is the move and the run. The million were loaded 10 000 per
 * millisecond, so each sweep finds 10 000 due. Caffeine: {@code expireAfterWrite} of 100 ms on the same clock, and
 * {@code cleanUp()}.
 * </ul>
 *
 * <p>Besides the score, {@link MillionFigures} reports: the heap in use once the cache was loaded (after a full
 * collection) and what the cache took per entry (the same less the heap before loading, when the keys, the options
 * and the sequence were already made: they are the application's); the GC pauses of the measured iterations; for the
 * sweep benchmarks the sweeps' durations, the longest single write of the sweeping thread, and the longest single
 * read and the reads over 1 ms, among those that overlapped a sweep and the others. The sweeper rests between two
 * sweeps as long as the last one took (1 to 200 ms), so that reads fall both during sweeps and between them; each read
 * is timed with
 * {@code System.nanoTime()}, which the score of those benchmarks pays too, and their B/op includes the sweeper's
 * allocation (JMH counts every thread's).
 *
 * <p>One cache per JVM: each benchmark method reads one cache's state, and JMH forks a JVM per method and thread
 * count that makes only the states its method uses. Both caches would fit in 1 GB together (see the README for
 * their heap), but a fork's heap and pause figures would then be of both, and each cache's collections would also
 * trace the other's million entries. The suite still runs both in one run, on one machine, and pairs rows of one run
 * only.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MillionQueriesBenchmark {

    static final int QUERIES = 1_000_000;
    /** What a sweep removes: 1 % of the million, the margin StackQuery's size eviction evicts below its bound. */
    static final int BATCH = QUERIES / 100;
    /** The queries' gcTime when they are collected: a sweep per millisecond collects all in 100 sweeps. */
    static final Duration GC_TIME = Duration.ofMillis(QUERIES / BATCH);
    private static final Duration TICK = Duration.ofMillis(1);
    private static final Duration ONE_DAY = Duration.ofDays(1);
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final long SEED = 11;

    private static final String VALUE = "value";
    /** The values writes set in turn, so that a write changes its entry. */
    private static final String[] VALUES = new String[16];
    private static final Function<QueryKey, String> LOAD = key -> VALUE;
    /** Numbers of the keys the sweeps write, {@code ["new", n]}: never written before (one benchmark per JVM). */
    private static final AtomicLong NEW_KEYS = new AtomicLong();

    static {
        for (int i = 0; i < VALUES.length; i++) {
            VALUES[i] = "value " + i;
        }
    }

    /** StackQuery with the million set, bounded at a million, none due for GC: what the application reads. */
    @State(Scope.Benchmark)
    public static class StackQueryMillion {
        QueryKey[] keys;
        int[] sequence;
        QueryOptions<String>[] options;
        QueryClient client;

        @Setup(Level.Trial)
        public void load() {
            keys = Workload.keys(QUERIES);
            sequence = Workload.zipfSequence(QUERIES, SEED);
            options = readOptions(keys);
            // The client's own executor, as an application's: a miss's function and size eviction's scan run there.
            client = QueryClient.builder().maxQueries(QUERIES)
                    .defaults(QueryDefaults.builder().gcTime(ONE_DAY).build()).build();
            loadMeasured(() -> {
                for (QueryKey key : keys) {
                    client.setQueryData(key, VALUE);
                }
            });
            check(client.size());
            // Read once, as an application's cache has been: the keys loaded first are the hottest, and eviction
            // must find the recently read ones recent, not those written last.
            for (int k : sequence) {
                client.fetchQuery(options[k]);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    /** Caffeine with the million put, bounded at a million. */
    @State(Scope.Benchmark)
    public static class CaffeineMillion {
        QueryKey[] keys;
        int[] sequence;
        Cache<QueryKey, String> cache;

        @Setup(Level.Trial)
        public void load() {
            keys = Workload.keys(QUERIES);
            sequence = Workload.zipfSequence(QUERIES, SEED);
            cache = Caffeine.newBuilder().maximumSize(QUERIES).build();
            loadMeasured(() -> {
                for (QueryKey key : keys) {
                    cache.put(key, VALUE);
                }
                cache.cleanUp();
            });
            check(cache.estimatedSize());
            for (int k : sequence) {
                cache.getIfPresent(keys[k]);
            }
        }
    }

    /** Size eviction of StackQuery's million, sweep after sweep, while the benchmark's threads read. */
    @State(Scope.Benchmark)
    public static class StackQueryEvictions {
        Sweeper sweeper;

        @Setup(Level.Iteration)
        public void start(StackQueryMillion million) {
            sweeper = Sweeper.start("stackquery-evictions", () -> { },
                    newKeyWrites(BATCH + 1, key -> million.client.setQueryData(key, VALUE), true));
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            sweeper.stop();
        }
    }

    /** Size eviction of Caffeine's million, in the same shape. */
    @State(Scope.Benchmark)
    public static class CaffeineEvictions {
        Sweeper sweeper;

        @Setup(Level.Iteration)
        public void start(CaffeineMillion million) {
            sweeper = Sweeper.start("caffeine-evictions", () -> { },
                    newKeyWrites(BATCH + 1, key -> million.cache.put(key, VALUE), true));
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            sweeper.stop();
        }
    }

    /** StackQuery's million on a manual clock, loaded 1 % per millisecond, collected 1 % per sweep. */
    @State(Scope.Benchmark)
    public static class StackQueryGc {
        final MutableClock clock = new MutableClock(START);
        final GcBenchmark.ManualScheduler scheduler = new GcBenchmark.ManualScheduler(clock);
        int[] sequence;
        QueryOptions<String>[] options;
        QueryClient client;
        Sweeper sweeper;

        @Setup(Level.Trial)
        public void load() {
            QueryKey[] keys = Workload.keys(QUERIES);
            sequence = Workload.zipfSequence(QUERIES, SEED);
            options = readOptions(keys);
            // Room for the reads that bring collected queries back: this measures the GC, not size eviction.
            client = QueryClient.builder().clock(clock).scheduler(scheduler).executor(Runnable::run)
                    .maxQueries(2 * QUERIES).defaults(QueryDefaults.builder().gcTime(GC_TIME).build()).build();
            loadMeasured(() -> loadSpread(keys, clock, key -> client.setQueryData(key, VALUE)));
            check(client.size());
        }

        @Setup(Level.Iteration)
        public void start() {
            sweeper = Sweeper.start("stackquery-gc", newKeyWrites(BATCH, key -> client.setQueryData(key, VALUE), false),
                    () -> {
                        clock.advance(TICK);
                        scheduler.runDue();
                    });
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            sweeper.stop();
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    /** Caffeine's million expiring after write on the same manual clock, in the same shape. */
    @State(Scope.Benchmark)
    public static class CaffeineExpiry {
        final MutableClock clock = new MutableClock(START);
        QueryKey[] keys;
        int[] sequence;
        Cache<QueryKey, String> cache;
        Sweeper sweeper;

        @Setup(Level.Trial)
        public void load() {
            keys = Workload.keys(QUERIES);
            sequence = Workload.zipfSequence(QUERIES, SEED);
            cache = Caffeine.newBuilder().maximumSize(2L * QUERIES).expireAfterWrite(GC_TIME)
                    .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis())).build();
            loadMeasured(() -> {
                loadSpread(keys, clock, key -> cache.put(key, VALUE));
                cache.cleanUp();
            });
            check(cache.estimatedSize());
        }

        @Setup(Level.Iteration)
        public void start() {
            sweeper = Sweeper.start("caffeine-expiry", newKeyWrites(BATCH, key -> cache.put(key, VALUE), false),
                    () -> {
                        clock.advance(TICK);
                        cache.cleanUp();
                    });
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            sweeper.stop();
        }
    }

    /**
     * A reading thread's longest read of the iteration and its reads over 1 ms, among those that overlapped a
     * sweep and the others.
     */
    @State(Scope.Thread)
    public static class ReadTimes {
        private static final long SLOW = TimeUnit.MILLISECONDS.toNanos(1);

        private long phase;
        private long longestInSweeps;
        private long longestBetweenSweeps;
        private long slowInSweeps;
        private long slowBetweenSweeps;

        @Setup(Level.Iteration)
        public void clear() {
            longestInSweeps = 0;
            longestBetweenSweeps = 0;
            slowInSweeps = 0;
            slowBetweenSweeps = 0;
        }

        @TearDown(Level.Iteration)
        public void report() {
            MillionFigures.recordReads(longestInSweeps, longestBetweenSweeps, slowInSweeps, slowBetweenSweeps);
        }

        long start(Sweeper sweeper) {
            phase = sweeper.phase();
            return System.nanoTime();
        }

        /** A read overlapped a sweep if one was running when it started, or one started or ended before it ended. */
        void stop(Sweeper sweeper, long start) {
            long took = System.nanoTime() - start;
            if ((phase & 1) != 0 || sweeper.phase() != phase) {
                longestInSweeps = Math.max(longestInSweeps, took);
                slowInSweeps += took > SLOW ? 1 : 0;
            } else {
                longestBetweenSweeps = Math.max(longestBetweenSweeps, took);
                slowBetweenSweeps += took > SLOW ? 1 : 0;
            }
        }
    }

    /**
     * Runs sweeps one after another on a thread of its own, each after its untimed preparation, resting after each as
     * long as it took (1 to 200 ms); its phase is odd while a sweep runs. Stopped at the end of each iteration, and
     * bounded in sweeps anyway; a sweep that throws fails the benchmark when the sweeper stops.
     */
    static final class Sweeper {
        private static final long MIN_REST = TimeUnit.MILLISECONDS.toNanos(1);
        private static final long MAX_REST = TimeUnit.MILLISECONDS.toNanos(200);
        /** Far more than fit in an iteration: a bound, not a target. */
        private static final int MAX_SWEEPS = 100_000;

        private final Thread thread;
        private volatile long phase;
        private volatile boolean stopped;
        private volatile Throwable failure;

        private Sweeper(String name, Runnable prepare, Runnable sweep) {
            thread = new Thread(() -> {
                try {
                    run(prepare, sweep);
                } catch (Throwable e) {
                    failure = e;
                }
            }, name);
            thread.setDaemon(true);
        }

        static Sweeper start(String name, Runnable prepare, Runnable sweep) {
            Sweeper sweeper = new Sweeper(name, prepare, sweep);
            sweeper.thread.start();
            return sweeper;
        }

        private void run(Runnable prepare, Runnable sweep) {
            for (int i = 0; i < MAX_SWEEPS && !stopped; i++) {
                prepare.run();
                phase++;
                long start = System.nanoTime();
                sweep.run();
                long took = System.nanoTime() - start;
                phase++;
                MillionFigures.recordSweep(took);
                LockSupport.parkNanos(Math.max(MIN_REST, Math.min(MAX_REST, took)));
            }
        }

        long phase() {
            return phase;
        }

        void stop() throws InterruptedException {
            stopped = true;
            LockSupport.unpark(thread);
            thread.join(TimeUnit.MINUTES.toMillis(1));
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop within a minute");
            }
            if (failure != null) {
                throw new IllegalStateException(thread.getName() + " failed", failure);
            }
        }
    }

    @Benchmark
    public Object stackquery_readWrite90_10(StackQueryMillion state, Cursor cursor) {
        int i = cursor.next();
        int k = state.sequence[i];
        return i % 10 == 0 ? state.client.setQueryData(state.keys[k], VALUES[(i / 10) & 15])
                : state.client.fetchQuery(state.options[k]);
    }

    @Benchmark
    public String caffeine_readWrite90_10(CaffeineMillion state, Cursor cursor) {
        int i = cursor.next();
        QueryKey key = state.keys[state.sequence[i]];
        if (i % 10 == 0) {
            String value = VALUES[(i / 10) & 15];
            state.cache.put(key, value);
            return value;
        }
        return state.cache.getIfPresent(key);
    }

    @Benchmark
    public String stackquery_readDuringEviction(StackQueryMillion state, StackQueryEvictions evictions,
            Cursor cursor, ReadTimes times) {
        QueryOptions<String> options = state.options[state.sequence[cursor.next()]];
        long start = times.start(evictions.sweeper);
        // Until the value is there: a miss's function runs on the client's executor, and the read waits for it.
        String value = state.client.fetchQuery(options).join();
        times.stop(evictions.sweeper, start);
        return value;
    }

    @Benchmark
    public String caffeine_readDuringEviction(CaffeineMillion state, CaffeineEvictions evictions, Cursor cursor,
            ReadTimes times) {
        QueryKey key = state.keys[state.sequence[cursor.next()]];
        long start = times.start(evictions.sweeper);
        String value = state.cache.get(key, LOAD);
        times.stop(evictions.sweeper, start);
        return value;
    }

    @Benchmark
    public CompletableFuture<String> stackquery_readDuringGc(StackQueryGc state, Cursor cursor, ReadTimes times) {
        QueryOptions<String> options = state.options[state.sequence[cursor.next()]];
        long start = times.start(state.sweeper);
        CompletableFuture<String> value = state.client.fetchQuery(options);
        times.stop(state.sweeper, start);
        return value;
    }

    @Benchmark
    public String caffeine_readDuringExpiry(CaffeineExpiry state, Cursor cursor, ReadTimes times) {
        QueryKey key = state.keys[state.sequence[cursor.next()]];
        long start = times.start(state.sweeper);
        String value = state.cache.get(key, LOAD);
        times.stop(state.sweeper, start);
        return value;
    }

    /** Options per key, kept as an application keeps them; fresh for the whole run. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
    private static QueryOptions<String>[] readOptions(QueryKey[] keys) {
        QueryOptions<String>[] options = new QueryOptions[keys.length];
        for (int i = 0; i < keys.length; i++) {
            options[i] = QueryOptions.<String>builder(keys[i], ctx -> VALUE).staleTime(ONE_DAY).build();
        }
        return options;
    }

    /** Runs {@code fill} and records the heap in use after it, and what it added per query. */
    private static void loadMeasured(Runnable fill) {
        long before = MillionFigures.heapUsedAfterGc();
        fill.run();
        MillionFigures.recordHeap(before, MillionFigures.heapUsedAfterGc(), QUERIES);
    }

    /** Writes {@code keys} 1 % per millisecond of {@code clock}, so that they fall due 1 % per millisecond. */
    private static void loadSpread(QueryKey[] keys, MutableClock clock, Consumer<QueryKey> write) {
        for (int i = 0; i < keys.length; i++) {
            if (i > 0 && i % BATCH == 0) {
                clock.advance(TICK);
            }
            write.accept(keys[i]);
        }
    }

    /** {@code count} writes of new keys, each timed into the figures if {@code timed}. */
    private static Runnable newKeyWrites(int count, Consumer<QueryKey> write, boolean timed) {
        return () -> {
            for (int i = 0; i < count; i++) {
                QueryKey key = QueryKey.of("new", NEW_KEYS.getAndIncrement());
                long start = System.nanoTime();
                write.accept(key);
                if (timed) {
                    MillionFigures.recordWrite(System.nanoTime() - start);
                }
            }
        };
    }

    private static void check(long size) {
        if (size != QUERIES) {
            throw new IllegalStateException("not the workload: " + size + " entries instead of " + QUERIES);
        }
    }
}
