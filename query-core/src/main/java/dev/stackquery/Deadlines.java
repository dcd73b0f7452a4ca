package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Time limits of many short operations that share one bound (the L2 calls), kept by one timer rather than one per
 * operation.
 *
 * <p>Every watched call (a future and the error it fails with, or a {@link Call} of its own) goes to the tail of a
 * queue with its deadline, now + bound; as the bound is fixed, the queue is in deadline order (up to the few
 * microseconds by which racing threads append out of order). One timer is armed for the head's deadline; when it fires
 * it expires every overdue call still running, drops the ended ones and re-arms for the new head. A watch therefore
 * costs a small object or two and a lock-free append instead of a timer task scheduled and cancelled, which mattered
 * on the L2 read path. The price: an ended call stays queued (with its result) until its deadline passes, so at most
 * {@code bound × calls per second} entries are held.
 */
final class Deadlines {

    /** A call watched by its own object (one allocation fewer per call than a future and its error). */
    interface Call {

        /** Whether the call has ended; then its deadline does nothing. */
        boolean ended();

        /**
         * Ends the call as timed out; runs at most once, on the timer's thread, when the call had not ended (it may
         * end meanwhile: the call settles that race).
         */
        void expire();
    }

    private record Watched(long deadline, Call call) {
    }

    private record FutureCall(CompletableFuture<?> future, Supplier<? extends Throwable> timeout) implements Call {

        @Override
        public boolean ended() {
            return future.isDone();
        }

        @Override
        public void expire() {
            future.completeExceptionally(timeout.get());
        }
    }

    private final LongSupplier millis;
    private final QueryScheduler scheduler;
    private final long boundMillis;
    private final ConcurrentLinkedQueue<Watched> queue = new ConcurrentLinkedQueue<>();
    /** Whether a sweep is scheduled or running; exactly one is while the queue is not empty. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /**
     * Deadlines timed by {@code clock}; the system clock is replaced by {@link System#nanoTime()}, so that a wall
     * clock stepped back or forth neither holds timeouts off nor fires them all at once.
     */
    Deadlines(Clock clock, QueryScheduler scheduler, Duration bound) {
        this.millis = clock.getClass() == Clock.systemUTC().getClass() ? () -> System.nanoTime() / 1_000_000
                : clock::millis;
        this.scheduler = scheduler;
        this.boundMillis = Math.max(1, Durations.toMillisSaturated(bound));
    }

    /** Fails {@code future} with {@code timeout}'s exception if it is still running when the bound has passed. */
    void watch(CompletableFuture<?> future, Supplier<? extends Throwable> timeout) {
        watch(new FutureCall(future, timeout));
    }

    /** Expires {@code call} if it is still running when the bound has passed. */
    void watch(Call call) {
        queue.add(new Watched(Durations.addSaturated(millis.getAsLong(), boundMillis), call));
        if (armed.compareAndSet(false, true)) {
            scheduler.schedule(this::sweep, Duration.ofMillis(boundMillis));
        }
    }

    private void sweep() {
        long now = millis.getAsLong();
        try {
            Watched head;
            while ((head = queue.peek()) != null && (head.call.ended() || head.deadline <= now)) {
                queue.poll(); // only the sweep removes, and one sweep runs at a time: this is head
                if (!head.call.ended()) {
                    head.call.expire();
                }
            }
        } finally {
            armed.set(false);
            // A watch that saw `armed` still set relies on this re-check to get its timer. The delay never exceeds
            // the bound, whatever a test clock does.
            Watched next = queue.peek();
            if (next != null && armed.compareAndSet(false, true)) {
                scheduler.schedule(this::sweep, Duration.ofMillis(Math.max(1, Math.min(boundMillis,
                        next.deadline - now))));
            }
        }
    }
}
