package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Acceptance test for "no invalidation is ever lost across instances": three clients, each with its own Redis
 * connections (as three JVMs would have), share one real, restartable Redis and one source of truth (a version per
 * key); queries are fresh for an hour, so only invalidation can bring a new value.
 *
 * <ol>
 *   <li><b>Redis up.</b> A writer bumps a key's version in the source and invalidates the key on a random instance
 *   every ~5 ms (2000 writes, at most 20 s) while readers hit every key on every instance. From the moment each
 *   write's {@code invalidateQueries} future completed, every <em>other</em> instance is polled with
 *   {@code fetchQuery} (stale-while-revalidate, so the first answers may be stale) until it returns that version or
 *   newer. Proves: each instance serves the written version within 1 s, and no call fails.</li>
 *   <li><b>Redis killed.</b> For 6 s writes and reads go on without Redis. Proves: no call fails and no read takes
 *   1 s or more.</li>
 *   <li><b>Redis back</b> (same port, empty). After a few more writes, writes stop. Proves: within 2 s of Redis
 *   answering again, every instance serves every key's current version (invalidations missed during the outage are
 *   not lost), and no call fails.</li>
 * </ol>
 *
 * <p>Only polls issued after a write's invalidation completed count for that write; any value at least as new as the
 * written one counts as converged (later writes of the key may overtake it). The query function reads the source
 * and then pauses 0-3 ms, so fetches that read an old version race with invalidations. The figures are printed as
 * {@code COHERENCE ...} lines (surefire keeps them in the test's output file) and head any failure message.
 */
class CoherenceChaosTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final int INSTANCES = 3;
    private static final int KEYS = 5;
    private static final int READERS = 2;
    private static final long READ_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final long WRITE_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final int TARGET_WRITES = 2000;
    private static final Duration UP_BUDGET = Duration.ofSeconds(20);
    private static final int MAX_CHECKS_IN_FLIGHT = 512;
    private static final Duration CONVERGENCE_TARGET = Duration.ofSeconds(1);
    private static final Duration CONVERGENCE_LIMIT = Duration.ofSeconds(3);
    private static final Duration CHECKS_DRAIN = Duration.ofSeconds(8);

    private static final Duration OUTAGE = Duration.ofSeconds(6);
    private static final int MAX_OUTAGE_WRITES = 2000;
    private static final Duration SLOW_READ_LIMIT = Duration.ofSeconds(1);

    private static final Duration WRITES_AFTER_RESTART = Duration.ofMillis(300);
    private static final int MAX_WRITES_AFTER_RESTART = 200;
    private static final Duration RESTART_TARGET = Duration.ofSeconds(2);
    private static final Duration RESTART_LIMIT = Duration.ofSeconds(10);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration INVALIDATE_TIMEOUT = Duration.ofSeconds(3);

    /** The source of truth: the current version of each key. */
    private final ConcurrentHashMap<Integer, Long> source = new ConcurrentHashMap<>();
    private final List<QueryOptions<Long>> queries = new ArrayList<>();
    private final List<LettuceConnectionFactory> factories = new ArrayList<>();
    private final List<QueryClient> clients = new ArrayList<>();
    private final AtomicBoolean reading = new AtomicBoolean();
    private final List<Thread> readers = new ArrayList<>();
    private final Semaphore checkPermits = new Semaphore(MAX_CHECKS_IN_FLIGHT);
    private ScheduledThreadPoolExecutor checks;
    /** Where readers record what they see: the current phase. */
    private volatile PhaseStats current = new PhaseStats();

    @BeforeEach
    void start() throws Exception {
        REDIS.start();
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
        for (int k = 0; k < KEYS; k++) {
            int key = k;
            source.put(key, 0L);
            queries.add(QueryOptions.builder(QueryKey.of("item", key), ctx -> {
                long version = source.get(key);
                int pause = ThreadLocalRandom.current().nextInt(4);
                if (pause > 0) {
                    Thread.sleep(pause); // the version read may be overtaken by a write meanwhile
                }
                return version;
            }).type(Long.class).staleTime(Duration.ofHours(1)).build());
        }
        for (int n = 1; n <= INSTANCES; n++) {
            LettuceConnectionFactory factory = REDIS.connectionFactory();
            factories.add(factory);
            clients.add(RedisQuerySupport.configure(QueryClient.builder(), factory).instanceId("i" + n).build());
        }
        checks = new ScheduledThreadPoolExecutor(2, task -> {
            Thread thread = new Thread(task, "coherence-check");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        try {
            stopReaders();
        } finally {
            if (checks != null) {
                checks.shutdownNow();
            }
            for (QueryClient client : clients) {
                try {
                    client.close();
                } catch (RuntimeException e) {
                    System.out.println("COHERENCE cleanup: closing a client failed: " + e);
                }
            }
            for (LettuceConnectionFactory factory : factories) {
                factory.destroy();
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void noInvalidationIsLostAcrossInstancesEvenWhenRedisDies() throws Exception {
        Assumptions.assumeTrue(REDIS.restartable(), "needs a redis-server process to kill and restart");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (QueryClient client : clients) {
            for (QueryOptions<Long> query : queries) {
                assertThat(client.fetchQuery(query).get(5, TimeUnit.SECONDS)).as("warm-up of %s", query.key())
                        .isZero();
            }
        }
        startReaders();

        // Phase 1: Redis up.
        PhaseStats up = new PhaseStats();
        current = up;
        Convergence convergence = new Convergence();
        long upStart = System.nanoTime();
        long upDeadline = upStart + UP_BUDGET.toNanos();
        int upWrites = 0;
        while (upWrites < TARGET_WRITES && System.nanoTime() < upDeadline) {
            pace(upStart + upWrites * WRITE_PERIOD_NANOS);
            long left = upDeadline - System.nanoTime();
            if (left <= 0 || !checkPermits.tryAcquire(INSTANCES - 1, left, TimeUnit.NANOSECONDS)) {
                break;
            }
            int writer = random.nextInt(INSTANCES);
            int key = random.nextInt(KEYS);
            Write write = write(writer, key, up);
            for (int other = 0; other < INSTANCES; other++) {
                if (other != writer) {
                    convergence.started.increment();
                    new Check(other, key, write, up, convergence).start();
                }
            }
            upWrites++;
        }
        long upWriting = System.nanoTime() - upStart;
        if (checkPermits.tryAcquire(MAX_CHECKS_IN_FLIGHT, CHECKS_DRAIN.toNanos(), TimeUnit.NANOSECONDS)) {
            checkPermits.release(MAX_CHECKS_IN_FLIGHT);
        }
        long unfinishedChecks = convergence.started.sum() - convergence.finished.sum();
        long[] latencies = convergence.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        long neverConverged = convergence.never.sum() + unfinishedChecks;
        long notWithin1s = convergence.notWithinTarget.sum() + unfinishedChecks;

        // Phase 2: Redis killed.
        PhaseStats outage = new PhaseStats();
        current = outage;
        REDIS.stop();
        long outageStart = System.nanoTime();
        long outageEnd = outageStart + OUTAGE.toNanos();
        for (int i = 0; i < MAX_OUTAGE_WRITES; i++) {
            pace(outageStart + i * WRITE_PERIOD_NANOS);
            if (System.nanoTime() >= outageEnd) {
                break;
            }
            write(random.nextInt(INSTANCES), random.nextInt(KEYS), outage);
        }
        pace(outageEnd);

        // Phase 3: Redis back on the same port (empty); a few more writes, then every instance must catch up.
        long restartBegin = System.nanoTime();
        REDIS.start();
        long back = System.nanoTime();
        PhaseStats after = new PhaseStats();
        current = after;
        long restartEnd = back + WRITES_AFTER_RESTART.toNanos();
        for (int i = 0; i < MAX_WRITES_AFTER_RESTART && System.nanoTime() < restartEnd; i++) {
            pace(back + i * WRITE_PERIOD_NANOS);
            write(random.nextInt(INSTANCES), random.nextInt(KEYS), after);
        }
        long writingStopped = System.nanoTime() - back;
        stopReaders();
        long[] expected = new long[KEYS];
        for (int k = 0; k < KEYS; k++) {
            expected[k] = source.get(k);
        }
        long[][] convergedAt = new long[INSTANCES][KEYS];
        Long[][] lastSeen = new Long[INSTANCES][KEYS];
        for (long[] row : convergedAt) {
            Arrays.fill(row, -1);
        }
        int pending = INSTANCES * KEYS;
        long restartDeadline = back + RESTART_LIMIT.toNanos();
        while (pending > 0 && System.nanoTime() < restartDeadline) {
            for (int i = 0; i < INSTANCES; i++) {
                for (int k = 0; k < KEYS; k++) {
                    if (convergedAt[i][k] < 0) {
                        Long value = read(i, k, after);
                        lastSeen[i][k] = value;
                        if (value != null && value == expected[k]) {
                            convergedAt[i][k] = System.nanoTime() - back;
                            pending--;
                        }
                    }
                }
            }
            if (pending > 0) {
                pace(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        long slowestConvergence = 0;
        List<String> stuck = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            for (int k = 0; k < KEYS; k++) {
                long at = convergedAt[i][k];
                slowestConvergence = Math.max(slowestConvergence, at);
                if (at < 0 || at > RESTART_TARGET.toNanos()) {
                    stuck.add("i" + (i + 1) + " " + queries.get(k).key() + " wanted " + expected[k] + ", "
                            + (at < 0 ? "still served " + lastSeen[i][k] : "served it after " + ms(at) + " ms"));
                }
            }
        }
        String convergedAfter = pending == 0 ? ms(slowestConvergence)
                : "never (" + pending + " of " + INSTANCES * KEYS + " not within " + RESTART_LIMIT.toMillis() + " ms)";

        String figures = String.join("\n",
                "COHERENCE up: writes=" + upWrites + ", reads=" + up.reads.sum() + ", p50=" + percentile(latencies, 50)
                        + "ms, p99=" + percentile(latencies, 99) + "ms, max=" + percentile(latencies, 100)
                        + "ms, notWithin1s=" + notWithin1s + ", neverConverged=" + neverConverged + ", checks="
                        + convergence.started.sum() + ", callerErrors=" + up.callerErrors() + ", writingMs="
                        + ms(upWriting) + ", slowestInvalidateMs=" + ms(up.slowestInvalidate.get()),
                "COHERENCE outage: writes=" + outage.writes.sum() + ", reads=" + outage.reads.sum() + ", callerErrors="
                        + outage.callerErrors() + ", slowestReadMs=" + ms(outage.slowestRead.get())
                        + ", slowestInvalidateMs=" + ms(outage.slowestInvalidate.get()),
                "COHERENCE after-restart: restartMs=" + ms(back - restartBegin) + ", writes=" + after.writes.sum()
                        + ", writesStoppedAtMs=" + ms(writingStopped) + ", convergedAfterMs=" + convergedAfter
                        + ", stuckAt2s=" + stuck.size() + ", callerErrors=" + after.callerErrors(),
                "COHERENCE errors: up=" + up.errorSummary() + ", outage=" + outage.errorSummary() + ", after-restart="
                        + after.errorSummary(),
                "COHERENCE never converged, e.g.: " + (convergence.examples.isEmpty() ? "none"
                        : String.join("; ", convergence.examples)),
                "COHERENCE stuck at 2 s: " + (stuck.isEmpty() ? "none" : String.join("; ", stuck)));
        System.out.println(figures);

        int writesDone = upWrites;
        assertAll(figures,
                () -> assertThat(writesDone).as("writes with Redis up (target %d within %d s; the loop wrote for %s"
                        + " ms)", TARGET_WRITES, UP_BUDGET.toSeconds(), ms(upWriting))
                        .isGreaterThanOrEqualTo(TARGET_WRITES),
                () -> assertThat(notWithin1s).as("reads (of %d) that did not serve the written version within 1 s"
                        + " of its invalidation; %d never within 3 s", convergence.started.sum(), neverConverged)
                        .isZero(),
                () -> assertThat(up.callerErrors()).as("failed calls with Redis up: %s", up.errorSummary()).isZero(),
                () -> assertThat(outage.callerErrors()).as("failed calls while Redis is down: %s",
                        outage.errorSummary()).isZero(),
                () -> assertThat(Duration.ofNanos(outage.slowestRead.get()))
                        .as("slowest fetchQuery while Redis is down").isLessThan(SLOW_READ_LIMIT),
                () -> assertThat(after.callerErrors()).as("failed calls after Redis came back: %s",
                        after.errorSummary()).isZero(),
                () -> assertThat(stuck).as("(instance, key) pairs not serving the current version within 2 s of"
                        + " Redis being back").isEmpty());
    }

    /** One write: the version it put in the source and when its invalidation completed. */
    private record Write(long version, long invalidatedAt) {
    }

    /** Bumps the key's version in the source, then invalidates the key on one instance and waits for that. */
    private Write write(int instance, int key, PhaseStats stats) throws InterruptedException {
        long version = source.merge(key, 1L, Long::sum);
        long started = System.nanoTime();
        try {
            CompletableFuture<Void> done = clients.get(instance)
                    .invalidateQueries(QueryFilter.exact(queries.get(key).key()));
            done.get(INVALIDATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            stats.error("invalidateQueries", e.getCause());
        } catch (TimeoutException e) {
            stats.error("invalidateQueries", e);
        } catch (RuntimeException e) {
            stats.error("invalidateQueries", e);
        }
        long finished = System.nanoTime();
        stats.writes.increment();
        stats.slowestInvalidate.accumulate(finished - started);
        return new Write(version, finished);
    }

    /** One blocking {@code fetchQuery}, timed; the value, or null when the call failed (counted). */
    private Long read(int instance, int key, PhaseStats stats) throws InterruptedException {
        long started = System.nanoTime();
        try {
            return clients.get(instance).fetchQuery(queries.get(key))
                    .get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            stats.error("fetchQuery", e.getCause());
        } catch (TimeoutException e) {
            stats.error("fetchQuery", e);
        } catch (RuntimeException e) {
            stats.error("fetchQuery", e);
        } finally {
            stats.read(System.nanoTime() - started);
        }
        return null;
    }

    private void startReaders() {
        reading.set(true);
        for (int r = 0; r < READERS; r++) {
            Thread reader = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (reading.get()) {
                        read(random.nextInt(INSTANCES), random.nextInt(KEYS), current);
                        pace(System.nanoTime() + READ_PAUSE_NANOS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "coherence-reader-" + r);
            reader.setDaemon(true);
            readers.add(reader);
            reader.start();
        }
    }

    private void stopReaders() throws InterruptedException {
        reading.set(false);
        for (Thread reader : readers) {
            reader.join(TimeUnit.SECONDS.toMillis(5));
            if (reader.isAlive()) {
                reader.interrupt();
                reader.join(TimeUnit.SECONDS.toMillis(1));
            }
        }
        readers.clear();
    }

    /** Waits until {@code dueNanos} (on {@link System#nanoTime()}); only paces the load, asserts nothing. */
    private static void pace(long dueNanos) throws InterruptedException {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while pacing the load");
            }
        }
    }

    /**
     * Polls one instance for one write until it serves the written version (or newer): every 1 ms for the first
     * 50 ms, then every 5 ms up to 1 s, then every 20 ms up to 3 s. Non-blocking: each poll's answer schedules the
     * next one, so hundreds of checks share two threads. Releases its permit when done.
     */
    private final class Check implements Runnable {

        private final int instance;
        private final QueryClient client;
        private final int key;
        private final QueryOptions<Long> query;
        private final Write write;
        private final PhaseStats stats;
        private final Convergence convergence;
        private volatile Long lastSeen;

        Check(int instance, int key, Write write, PhaseStats stats, Convergence convergence) {
            this.instance = instance;
            this.client = clients.get(instance);
            this.key = key;
            this.query = queries.get(key);
            this.write = write;
            this.stats = stats;
            this.convergence = convergence;
        }

        void start() {
            try {
                checks.execute(this);
            } catch (RejectedExecutionException e) {
                finish(-1);
            }
        }

        @Override
        public void run() {
            if (System.nanoTime() - write.invalidatedAt() > CONVERGENCE_LIMIT.toNanos()) {
                finish(-1);
                return;
            }
            long started = System.nanoTime();
            CompletableFuture<Long> answer;
            try {
                answer = client.fetchQuery(query).copy().orTimeout(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                stats.read(System.nanoTime() - started);
                stats.error("fetchQuery", e);
                next();
                return;
            }
            answer.whenComplete((value, failure) -> {
                long now = System.nanoTime();
                stats.read(now - started);
                if (failure != null) {
                    stats.error("fetchQuery", failure);
                    next();
                } else if (value != null && value >= write.version()) {
                    finish(now - write.invalidatedAt());
                } else {
                    lastSeen = value;
                    next();
                }
            });
        }

        private void next() {
            long elapsed = System.nanoTime() - write.invalidatedAt();
            long delayMicros = elapsed < TimeUnit.MILLISECONDS.toNanos(50) ? 1_000
                    : elapsed < CONVERGENCE_TARGET.toNanos() ? 5_000 : 20_000;
            try {
                checks.schedule(this, delayMicros, TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException e) {
                finish(-1);
            }
        }

        /** {@code latency} in nanoseconds from the invalidation, or negative when it never converged. */
        private void finish(long latency) {
            if (latency < 0) {
                if (convergence.never.sum() < Convergence.EXAMPLES) {
                    convergence.examples.add("i" + (instance + 1) + " " + query.key() + " wanted >= "
                            + write.version() + " (source now " + source.get(key) + "), served "
                            + lastSeen + ", state " + client.getQueryState(query.key()).orElse(null));
                }
                convergence.never.increment();
                convergence.notWithinTarget.increment();
            } else {
                convergence.latencies.add(latency);
                if (latency > CONVERGENCE_TARGET.toNanos()) {
                    convergence.notWithinTarget.increment();
                }
            }
            convergence.finished.increment();
            checkPermits.release();
        }
    }

    /** What the convergence checks of phase 1 found. */
    private static final class Convergence {
        static final int EXAMPLES = 5;
        final ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        final LongAdder started = new LongAdder();
        final LongAdder finished = new LongAdder();
        final LongAdder notWithinTarget = new LongAdder();
        final LongAdder never = new LongAdder();
    }

    /** Calls made during one phase, by the writer, the readers and the checks. */
    private static final class PhaseStats {
        final LongAdder writes = new LongAdder();
        final LongAdder reads = new LongAdder();
        final LongAccumulator slowestRead = new LongAccumulator(Math::max, 0);
        final LongAccumulator slowestInvalidate = new LongAccumulator(Math::max, 0);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        void read(long nanos) {
            reads.increment();
            slowestRead.accumulate(nanos);
        }

        void error(String operation, Throwable failure) {
            Throwable cause = failure;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            String message = String.valueOf(cause.getMessage());
            String kind = operation + " " + cause.getClass().getSimpleName() + "("
                    + (message.length() > 80 ? message.substring(0, 80) + "..." : message) + ")";
            errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }

        long callerErrors() {
            return errors.values().stream().mapToLong(LongAdder::sum).sum();
        }

        String errorSummary() {
            if (errors.isEmpty()) {
                return "none";
            }
            Map<String, Long> sorted = new TreeMap<>();
            errors.forEach((kind, count) -> sorted.put(kind, count.sum()));
            return sorted.toString();
        }
    }

    private static String percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return "n/a";
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return ms(sorted[Math.max(0, rank - 1)]);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
