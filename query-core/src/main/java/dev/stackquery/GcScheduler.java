package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;

/**
 * Garbage collection of inactive queries without a timer per query: each query carries its own deadline
 * ({@link Query#gcAt}); one sweep is scheduled at the earliest known deadline, removes every query whose deadline has
 * passed, and schedules the next. Sweeps are at least {@link #MIN_SWEEP_GAP_MILLIS} apart, so a query leaves L1
 * between {@code gcTime} and {@code gcTime} + 1 s after it became inactive.
 *
 * <p>The monitor guards the pending sweep; the sweep itself runs without it.
 */
final class GcScheduler {

    static final long MIN_SWEEP_GAP_MILLIS = 1000;

    private final QueryScheduler scheduler;
    private final Clock clock;
    private final LongConsumer sweep;

    private long nextSweepAt = Long.MAX_VALUE;
    private long lastSweepAt = Long.MIN_VALUE;
    private QueryScheduler.@Nullable Cancellable pending;
    private boolean closed;

    /**
     * @param sweep removes the queries whose deadline is at or before its argument (now) and calls
     *              {@link #deadline(long)} for those left
     */
    GcScheduler(QueryScheduler scheduler, Clock clock, LongConsumer sweep) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.sweep = sweep;
    }

    /** Makes sure a sweep runs at or soon after {@code at} (epoch millis). */
    void deadline(long at) {
        if (at == Long.MAX_VALUE) {
            return;
        }
        synchronized (this) {
            long when = Math.max(at, lastSweepAt + MIN_SWEEP_GAP_MILLIS);
            if (closed || when >= nextSweepAt) {
                return;
            }
            if (pending != null) {
                pending.cancel();
            }
            nextSweepAt = when;
            pending = scheduler.schedule(this::run, Duration.ofMillis(Math.max(0, when - clock.millis())));
        }
    }

    private void run() {
        long now = clock.millis();
        synchronized (this) {
            if (closed) {
                return;
            }
            lastSweepAt = now;
            nextSweepAt = Long.MAX_VALUE;
            pending = null;
        }
        sweep.accept(now);
    }

    synchronized void close() {
        closed = true;
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
    }
}
