package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;

import org.jspecify.annotations.Nullable;

/**
 * Garbage collection of inactive queries at their {@code gcTime}, without a timer per query and without scanning L1.
 *
 * <p>Each query carries its deadline ({@link Query#gcAt}). A query whose deadline is set joins a min-heap of deadlines
 * unless it has an entry there ({@link Query#gcQueued}); one timer runs at the earliest entry. When an entry falls due,
 * the query is removed if its deadline has passed and it is still inactive and idle; if its deadline moved on
 * meanwhile (it was read, fetched or observed again), it joins the heap again at the new deadline. Deadlines move
 * later only, with one exception: a query's gcTime can get shorter once, when options give one where it had the
 * client's default ({@link Query#gcShortened}); its next deadline then gets an entry of its own, and the older entry,
 * when it falls due, finds nothing to do. So an entry is never due after its query's deadline: a query leaves L1 at its {@code gcTime} (a {@code gcTime} of 0: at once, on the scheduler's
 * thread), and a due timer touches only the entries due, not the whole cache. A query that is fetching or observed
 * when its entry falls due joins again when it settles or its last observer leaves, both of which set its deadline.
 *
 * <p>The monitor guards the heap and the timer; removal runs without it.
 */
final class GcScheduler {

    /** Removes {@code query} if it is due at {@code now}, else queues it again at its deadline. */
    interface Collector {
        void collect(Query<?> query, long now);
    }

    private final QueryScheduler scheduler;
    private final Clock clock;
    private final Collector collector;
    /** Number of live queries, to tell when removed ones waiting in the heap are worth purging. */
    private final IntSupplier live;

    // Guarded by this: a binary min-heap of (deadline, query) pairs in two arrays, and the timer.
    private long[] deadlines = new long[16];
    private Query<?>[] queries = new Query<?>[16];
    private int size;
    private long timerAt = Long.MAX_VALUE;
    private QueryScheduler.@Nullable Cancellable timer;
    private boolean closed;

    GcScheduler(QueryScheduler scheduler, Clock clock, IntSupplier live, Collector collector) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.live = live;
        this.collector = collector;
    }

    /**
     * Makes sure {@code query} is looked at no later than {@code at}: queues it unless it is queued already, or
     * anyway when {@code earlier} says its queued entry may be due later than {@code at}. The caller wrote
     * {@code query.gcAt} first (both fields are volatile, so a query is never left unqueued while the collector misses
     * its new deadline).
     */
    void schedule(Query<?> query, long at, boolean earlier) {
        if (at == Long.MAX_VALUE || query.gcQueued && !earlier) {
            return;
        }
        synchronized (this) {
            if (closed || query.gcQueued && !earlier) {
                return;
            }
            query.gcQueued = true;
            push(at, query);
            if (at < timerAt) {
                arm(at);
            }
        }
    }

    /** Number of entries in the heap (removed queries included until they fall due or are purged). */
    synchronized int queued() {
        return size;
    }

    private void arm(long at) {
        if (timer != null) {
            timer.cancel();
        }
        timerAt = at;
        timer = scheduler.schedule(this::run, Duration.ofMillis(Math.max(0, at - clock.millis())));
    }

    private void run() {
        long now = clock.millis();
        List<Query<?>> due = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            timer = null;
            timerAt = Long.MAX_VALUE;
            while (size > 0 && deadlines[0] <= now) {
                Query<?> query = pop();
                query.gcQueued = false;
                due.add(query);
            }
            if (size > 0) {
                arm(deadlines[0]);
            }
        }
        for (Query<?> query : due) {
            if (!query.removed) {
                collector.collect(query, now);
            }
        }
    }

    synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        Arrays.fill(queries, 0, size, null);
        size = 0;
    }

    // ---- the heap; under the monitor

    private void push(long at, Query<?> query) {
        if (size == deadlines.length) {
            purgeRemoved();
            if (size == deadlines.length) {
                deadlines = Arrays.copyOf(deadlines, size * 2);
                queries = Arrays.copyOf(queries, size * 2);
            }
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (deadlines[parent] <= at) {
                break;
            }
            deadlines[i] = deadlines[parent];
            queries[i] = queries[parent];
            i = parent;
        }
        deadlines[i] = at;
        queries[i] = query;
    }

    private Query<?> pop() {
        Query<?> top = queries[0];
        int last = --size;
        long at = deadlines[last];
        Query<?> moved = queries[last];
        queries[last] = null;
        if (last > 0) {
            siftDown(0, at, moved);
        }
        return top;
    }

    private void siftDown(int from, long at, Query<?> query) {
        int i = from;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && deadlines[child + 1] < deadlines[child]) {
                child++;
            }
            if (at <= deadlines[child]) {
                break;
            }
            deadlines[i] = deadlines[child];
            queries[i] = queries[child];
            i = child;
        }
        deadlines[i] = at;
        queries[i] = query;
    }

    /**
     * Drops the entries of removed queries when they are most of the heap (a mass removal would otherwise keep them,
     * and their data, reachable until their deadlines): paid once per doubling, so cheap per entry.
     */
    private void purgeRemoved() {
        if (size < 2 * Math.max(16, live.getAsInt())) {
            return;
        }
        int kept = 0;
        for (int i = 0; i < size; i++) {
            Query<?> query = queries[i];
            if (query.removed) {
                query.gcQueued = false;
            } else {
                deadlines[kept] = deadlines[i];
                queries[kept++] = query;
            }
        }
        Arrays.fill(queries, kept, size, null);
        size = kept;
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i, deadlines[i], queries[i]);
        }
    }
}
