package dev.stackquery.spring.boot.devtools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Lookup and fetch counts per second over the last {@link #SECONDS} seconds, and recent fetch durations per key tag,
 * for the page's charts.
 *
 * <p>Lock-free and bounded. Every L1 hit of every thread is counted, so counts go to striped totals
 * ({@link LongAdder}, as Caffeine's statistics do) rather than to one word all threads would queue for. A second's
 * counts are the growth of the totals over it: the first count of a new second swaps in, with a compare-and-set, a
 * bucket (found by the second modulo {@link #SECONDS}) that holds the totals as that second began, so a bucket is
 * allocated once a second at most; a second's counts run until the next bucket's start, the newest second's until
 * now. A count racing the start of a second may be told in the next one; none is lost. Durations go into a ring of {@link #SAMPLES} per tag, at most about {@link #MAX_TAGS} tags (racing writers
 * may add a few more), later tags sharing {@link #OTHER_TAG}; a reader takes those of the window.
 */
final class TrafficStats {

    /** What is counted per second. */
    enum Counter {
        L1_HIT, L1_STALE, L1_MISS, L2_HIT, L2_STALE, L2_MISS, FETCHED, FAILED
    }

    /** Seconds kept. */
    static final int SECONDS = 300;
    /** Key tags with durations of their own. */
    static final int MAX_TAGS = 20;
    /** Durations kept per tag. */
    static final int SAMPLES = 256;
    /** The tag of keys beyond {@link #MAX_TAGS}. */
    static final String OTHER_TAG = "(other)";

    /** Counts of the seconds of the window, oldest first; each array has {@link #SECONDS} elements. */
    record Series(long[] l1Hit, long[] l1Stale, long[] l1Miss, long[] l2Hit, long[] l2Stale, long[] l2Miss,
            long[] fetched, long[] failed) {
    }

    /** Fetch durations of one key tag in the window, in milliseconds (nearest-rank percentiles). */
    record Latency(String tag, int samples, long p50Ms, long p99Ms, long maxMs) {
    }

    /** The window ending at {@code lastSecond} (epoch seconds). */
    record Snapshot(long firstSecond, long lastSecond, Series series, List<Latency> latency) {
    }

    private static final class Bucket {
        final long second;
        /** The totals as this second began. */
        final long[] start;

        Bucket(long second, long[] start) {
            this.second = second;
            this.start = start;
        }
    }

    private static final class Samples {
        final AtomicLongArray millis = new AtomicLongArray(SAMPLES);
        final AtomicLongArray at = new AtomicLongArray(SAMPLES);
        final AtomicLong next = new AtomicLong();
    }

    private final LongAdder[] totals = new LongAdder[Counter.values().length];
    private final AtomicReferenceArray<Bucket> buckets = new AtomicReferenceArray<>(SECONDS);

    TrafficStats() {
        for (int i = 0; i < totals.length; i++) {
            totals[i] = new LongAdder();
        }
    }
    private final ConcurrentHashMap<String, Samples> durations = new ConcurrentHashMap<>();

    void count(long nowMillis, Counter counter) {
        long second = Math.floorDiv(nowMillis, 1000);
        int slot = (int) Math.floorMod(second, (long) SECONDS);
        Bucket bucket = buckets.get(slot);
        // After the clock went back, the count is told in the newest second that has counts.
        while (bucket == null || bucket.second < second) {
            Bucket fresh = new Bucket(second, totals());
            if (buckets.compareAndSet(slot, bucket, fresh)) {
                bucket = fresh;
            } else {
                bucket = buckets.get(slot);
            }
        }
        totals[counter.ordinal()].increment();
    }

    private long[] totals() {
        long[] now = new long[totals.length];
        for (int i = 0; i < now.length; i++) {
            now[i] = totals[i].sum();
        }
        return now;
    }

    void duration(long nowMillis, String tag, long millis) {
        Samples samples = durations.get(tag);
        if (samples == null) {
            samples = durations.size() < MAX_TAGS ? durations.computeIfAbsent(tag, t -> new Samples())
                    : durations.computeIfAbsent(OTHER_TAG, t -> new Samples());
        }
        int slot = (int) (samples.next.getAndIncrement() % SAMPLES);
        samples.millis.set(slot, Math.max(0, millis));
        samples.at.set(slot, nowMillis);
    }

    Snapshot snapshot(long nowMillis) {
        long last = Math.floorDiv(nowMillis, 1000);
        long first = last - SECONDS + 1;
        long[][] columns = new long[Counter.values().length][SECONDS];
        Bucket[] seconds = new Bucket[SECONDS];
        for (int i = 0; i < SECONDS; i++) {
            Bucket bucket = buckets.get((int) Math.floorMod(first + i, (long) SECONDS));
            seconds[i] = bucket != null && bucket.second == first + i ? bucket : null;
        }
        // Newest first, each second running until the start of the next one. A start can be later than the next
        // second's (a writer racing the turn of a second, or one whose clock went back into an empty slot): such a
        // second counts nothing, and the next one keeps its end.
        long[] end = totals(); // read after the buckets, so no bucket started later than this
        for (int i = SECONDS - 1; i >= 0; i--) {
            if (seconds[i] != null) {
                for (int c = 0; c < columns.length; c++) {
                    long start = seconds[i].start[c];
                    columns[c][i] = Math.max(0, end[c] - start);
                    end[c] = Math.min(end[c], start);
                }
            }
        }
        Series series = new Series(columns[0], columns[1], columns[2], columns[3], columns[4], columns[5],
                columns[6], columns[7]);
        long since = first * 1000;
        List<Latency> latency = new ArrayList<>();
        durations.forEach((tag, samples) -> {
            long[] window = new long[SAMPLES];
            int n = 0;
            int written = (int) Math.min(SAMPLES, samples.next.get());
            for (int i = 0; i < written; i++) {
                long at = samples.at.get(i);
                if (at >= since && at <= nowMillis) {
                    window[n++] = samples.millis.get(i);
                }
            }
            if (n > 0) {
                long[] sorted = Arrays.copyOf(window, n);
                Arrays.sort(sorted);
                latency.add(new Latency(tag, n, rank(sorted, 0.50), rank(sorted, 0.99), sorted[n - 1]));
            }
        });
        latency.sort(Comparator.comparing(Latency::tag));
        return new Snapshot(first, last, series, latency);
    }

    private static long rank(long[] sorted, double percentile) {
        return sorted[Math.max(0, (int) Math.ceil(percentile * sorted.length) - 1)];
    }
}
