package dev.stackquery.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * The figures of {@link MillionQueriesBenchmark} that are not a score, handed to JMH as secondary results named
 * {@value Suite#FIGURE}{@code *}, which the suite adds to the row: the heap the state's cache took once loaded, the
 * garbage collector's pauses, and, for the sweep benchmarks, the sweeps' durations, the longest single read during
 * sweeps and between them, and how many reads took over 1 ms.
 *
 * <p>Everything happens in the benchmark's forked JVM: the states record into the static fields of this class (the
 * heap when loaded, reads and sweeps as they run), and the suite adds this class as a JMH profiler, which clears the
 * measurements when the first measured iteration starts (warm-up is not a figure) and reports once per fork, after
 * the last measured iteration, for all measured iterations together (a p99 of the pauses of one iteration would be
 * the p99 of a handful).
 *
 * <p>Pauses are what the collectors' notifications report ({@code GarbageCollectionNotificationInfo}), in whole
 * milliseconds as the notification carries them. Concurrent cycles (ZGC's and Shenandoah's {@code ... Cycles}
 * collectors) are not pauses and are left out. G1's young and full collections are pauses; so are the collections of
 * {@code "G1 Concurrent GC"}, which from JDK 20 reports G1's Remark and Cleanup pauses, not its concurrent marking
 * (JDK-8297247). On JDK 17 those two pauses are reported by no collector, so they are missing here.
 */
public final class MillionFigures implements InternalProfiler {

    private static final double MB = 1024.0 * 1024.0;

    private static volatile double heapAfterLoad = Double.NaN;
    private static volatile double heapPerEntry = Double.NaN;

    private static final LongAccumulator readMaxInSweeps = new LongAccumulator(Math::max, -1);
    private static final LongAccumulator readMaxBetweenSweeps = new LongAccumulator(Math::max, -1);
    private static final LongAdder readsSlowInSweeps = new LongAdder();
    private static final LongAdder readsSlowBetweenSweeps = new LongAdder();
    private static final LongAccumulator writeMax = new LongAccumulator(Math::max, -1);
    private static final LongAdder sweeps = new LongAdder();
    private static final LongAdder sweepNanos = new LongAdder();
    private static final LongAccumulator sweepMax = new LongAccumulator(Math::max, -1);

    /** Pause durations in milliseconds, appended by the notification thread while {@link #recording}. */
    private static final List<Long> pauses = new ArrayList<>();
    private static volatile boolean recording;
    private static boolean listening;

    /** Measured iterations seen by this profiler, one per fork. */
    private int measured;

    /** Made by JMH, in the suite's JVM (which only checks it) and in each fork. */
    public MillionFigures() {
    }

    /** The heap in use after a full collection. */
    static long heapUsedAfterGc() {
        // Twice: objects with finalizers or weak references may need a second collection to go.
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Records the heap in use once the cache held its {@code entries}, and what it took per entry. */
    static void recordHeap(long before, long after, int entries) {
        heapAfterLoad = after / MB;
        heapPerEntry = (after - before) / (double) entries;
    }

    static void recordReads(long longestInSweeps, long longestBetweenSweeps, long slowInSweeps,
            long slowBetweenSweeps) {
        readMaxInSweeps.accumulate(longestInSweeps);
        readMaxBetweenSweeps.accumulate(longestBetweenSweeps);
        readsSlowInSweeps.add(slowInSweeps);
        readsSlowBetweenSweeps.add(slowBetweenSweeps);
    }

    static void recordWrite(long nanos) {
        writeMax.accumulate(nanos);
    }

    static void recordSweep(long nanos) {
        sweeps.increment();
        sweepNanos.add(nanos);
        sweepMax.accumulate(nanos);
    }

    @Override
    public String getDescription() {
        return "heap after loading, GC pauses, sweeps and the longest reads of MillionQueriesBenchmark";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
        listen();
        if (iteration.getType() == IterationType.MEASUREMENT && measured == 0) {
            readMaxInSweeps.reset();
            readMaxBetweenSweeps.reset();
            readsSlowInSweeps.reset();
            readsSlowBetweenSweeps.reset();
            writeMax.reset();
            sweeps.reset();
            sweepNanos.reset();
            sweepMax.reset();
            synchronized (pauses) {
                pauses.clear();
            }
            recording = true;
        }
    }

    @Override
    public Collection<? extends Result<?>> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
            IterationResult result) {
        if (iteration.getType() != IterationType.MEASUREMENT || ++measured < iteration.getCount()) {
            return List.of();
        }
        recording = false;
        List<Result<?>> figures = new ArrayList<>();
        if (!Double.isNaN(heapAfterLoad)) {
            figures.add(figure("heap after load", heapAfterLoad, "MB"));
            figures.add(figure("heap per entry", heapPerEntry, "B"));
        }
        long[] sorted;
        synchronized (pauses) {
            sorted = pauses.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        figures.add(figure("gc pause count", sorted.length, "#"));
        if (sorted.length > 0) {
            figures.add(figure("gc pause p99", percentile(sorted, 0.99), "ms"));
            figures.add(figure("gc pause max", sorted[sorted.length - 1], "ms"));
        }
        if (readMaxInSweeps.get() >= 0) {
            figures.add(figure("read max in sweeps", readMaxInSweeps.get() / 1e3, "us"));
            figures.add(figure("read max between sweeps", readMaxBetweenSweeps.get() / 1e3, "us"));
            figures.add(figure("reads over 1 ms in sweeps", readsSlowInSweeps.sum(), "#"));
            figures.add(figure("reads over 1 ms between sweeps", readsSlowBetweenSweeps.sum(), "#"));
        }
        long count = sweeps.sum();
        if (count > 0) {
            figures.add(figure("sweep count", count, "#"));
            figures.add(figure("sweep mean", sweepNanos.sum() / 1e6 / count, "ms"));
            figures.add(figure("sweep max", sweepMax.get() / 1e6, "ms"));
        }
        if (writeMax.get() >= 0) {
            figures.add(figure("write max", writeMax.get() / 1e6, "ms"));
        }
        return figures;
    }

    /**
     * A figure of the fork, given once, after its last measured iteration: JMH counts the other iterations as 0, so
     * the figure is their maximum (and, with several forks, the largest fork's).
     */
    private static ScalarResult figure(String name, double value, String unit) {
        return new ScalarResult(Suite.FIGURE + name, value, unit, AggregationPolicy.MAX);
    }

    /** Nearest rank: the smallest value with at least {@code fraction} of the values at or below it. */
    static long percentile(long[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static synchronized void listen() {
        if (listening) {
            return;
        }
        listening = true;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter && !collector.getName().endsWith("Cycles")) {
                emitter.addNotificationListener(MillionFigures::collected, notification -> notification.getType()
                        .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION), null);
            }
        }
    }

    private static void collected(Notification notification, Object handback) {
        if (!recording) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        synchronized (pauses) {
            pauses.add(info.getGcInfo().getDuration());
        }
    }
}
