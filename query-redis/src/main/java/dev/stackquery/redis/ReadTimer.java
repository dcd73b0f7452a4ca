package dev.stackquery.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

/**
 * The time limit of the reads sent on the backend's own connection, kept by one timer instead of one per read.
 *
 * <p>Redis answers the commands of one connection in the order they were sent, so the reads in flight form a queue:
 * the oldest is the first to be answered and the first to time out. Each read joins the tail when it is sent (linked
 * through its own fields: nothing is allocated) and, once answered, leaves with the answered reads at the head. One
 * timer is armed for the head's deadline; when it fires, it fails the reads at the head whose deadline has passed and
 * re-arms for the next. A read that ends out of order (sent while another thread sent one) leaves when the reads
 * before it have.
 *
 * <p>Concurrency: the queue and {@link #armed} are guarded by this object's monitor; a read's deadline is written
 * before it joins and read only under the monitor. Reads are failed outside the monitor.
 */
final class ReadTimer {

    private final long boundNanos;
    private final Duration bound;
    private @Nullable LookupCommand head;
    private @Nullable LookupCommand tail;
    private boolean armed;

    ReadTimer(Duration bound) {
        this.bound = bound;
        this.boundNanos = bound.toNanos();
    }

    /** Starts the time limit of {@code read}, which is about to be sent. */
    void watch(LookupCommand read) {
        read.deadline = System.nanoTime() + boundNanos;
        boolean arm;
        synchronized (this) {
            if (tail == null) {
                head = read;
            } else {
                tail.next = read;
            }
            tail = read;
            arm = !armed;
            armed = true;
        }
        if (arm) {
            schedule(boundNanos);
        }
    }

    /** Called by a read once it is answered or failed: it and the ended reads before it leave the queue. */
    void ended() {
        synchronized (this) {
            dropEnded();
        }
    }

    private void dropEnded() {
        while (head != null && head.isDone()) {
            pop();
        }
    }

    /** Removes the head; the caller holds the monitor and knows there is one. */
    private LookupCommand pop() {
        LookupCommand first = head;
        head = first.next;
        first.next = null;
        if (head == null) {
            tail = null;
        }
        return first;
    }

    private void sweep() {
        long now = System.nanoTime();
        List<LookupCommand> overdue = new ArrayList<>();
        long delay;
        synchronized (this) {
            dropEnded();
            while (head != null && head.deadline - now <= 0) {
                overdue.add(pop());
                dropEnded();
            }
            armed = head != null;
            delay = armed ? head.deadline - now : -1;
        }
        for (LookupCommand read : overdue) {
            // Also keeps the command from waiting in Lettuce's queue while Redis is away.
            read.completeExceptionally(new TimeoutException("Redis did not answer " + read + " within " + bound));
        }
        if (delay >= 0) {
            schedule(delay);
        }
    }

    /** On the JDK's shared delay thread: a sweep is short, and fails the few reads it fails right there. */
    private void schedule(long delayNanos) {
        CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, Runnable::run).execute(this::sweep);
    }
}
