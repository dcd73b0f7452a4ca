package dev.stackquery;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The L2 writes waiting to be sent: at most one per key (a newer value replaces an older one that was not sent yet,
 * and the older one's future completes with the newer one's), at most {@link #maxInFlight} sent at a time, so that a
 * burst of writes neither floods the backend's connection (each write's time limit starts when it is sent, not when
 * it is queued) nor reorders the writes of one key. A write that failed is tried again after the write pause, up to
 * {@link #MAX_TRIES} times, unless a newer one replaced it; a write that is no longer {@linkplain Write#current
 * current} (its query was invalidated, reset or removed since its data was read) is dropped when its turn comes.
 *
 * <p>Concurrency: every field is guarded by this object's monitor; writes are started and finished outside it. A write
 * that finishes at once (dropped, or a backend that answers synchronously) starts the next one from a loop, never
 * from a nested call, so that thousands of them cannot overflow the stack.
 */
final class StorageWrites {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");
    static final int MAX_TRIES = 3;
    /** Keys with a write waiting, beyond which new writes are dropped (L2 away for long, every key written). */
    private static final int MAX_PENDING = 100_000;

    enum Outcome { DONE, DROPPED, RETRY }

    /** One value to write. {@code generation} null: make a new generation of the key first (a set value). */
    static final class Write {
        final QueryKey key;
        final byte[] bytes;
        final long dataUpdatedAt;
        final @Nullable String generation;
        final BooleanSupplier current;
        /** Completes with whether this value (or a newer one that replaced it) reached L2. */
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        int tries;

        Write(QueryKey key, byte[] bytes, long dataUpdatedAt, @Nullable String generation, BooleanSupplier current) {
            this.key = key;
            this.bytes = bytes;
            this.dataUpdatedAt = dataUpdatedAt;
            this.generation = generation;
            this.current = current;
        }
    }

    private static final class Slot {
        final QueryKey key;
        @Nullable Write pending;
        boolean running;
        boolean queued;

        Slot(QueryKey key) {
            this.key = key;
        }
    }

    private final Function<Write, CompletableFuture<Outcome>> sender;
    private final QueryScheduler scheduler;
    private final LongSupplier pausedForMillis;
    private final int maxInFlight;
    private final Map<QueryKey, Slot> slots = new HashMap<>();
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    private int inFlight;
    private boolean wakeUpScheduled;
    private boolean closed;
    /** Slots to send found by a send that finished on the thread of the loop below: sent by that loop. */
    private final ThreadLocal<ArrayDeque<Slot>> sending = new ThreadLocal<>();

    /**
     * @param sender sends one write; completes with {@link Outcome#RETRY} when it failed and may be tried again
     * @param pausedForMillis how long writes must wait before the next one is sent (0: none)
     */
    StorageWrites(Function<Write, CompletableFuture<Outcome>> sender, QueryScheduler scheduler,
            LongSupplier pausedForMillis, int maxInFlight) {
        this.sender = sender;
        this.scheduler = scheduler;
        this.pausedForMillis = pausedForMillis;
        this.maxInFlight = maxInFlight;
    }

    /**
     * Queues {@code write}; its future completes (never exceptionally) once it was sent, dropped or replaced, with
     * whether the value (or the one that replaced it) reached L2.
     */
    CompletableFuture<Boolean> submit(Write write) {
        List<Slot> start;
        synchronized (this) {
            Slot slot = slots.get(write.key);
            if (slot == null) {
                if (closed || slots.size() >= MAX_PENDING) {
                    LOG.log(Level.DEBUG, () -> "L2 write of " + write.key + " dropped: " + (closed ? "client closed"
                            : MAX_PENDING + " keys already wait for L2"));
                    write.done.complete(false);
                    return write.done;
                }
                slot = new Slot(write.key);
                slots.put(write.key, slot);
            }
            Write replaced = slot.pending;
            slot.pending = write;
            if (replaced != null) {
                write.done.whenComplete((landed, error) -> replaced.done.complete(landed != null && landed));
            }
            if (!slot.running && !slot.queued) {
                slot.queued = true;
                ready.add(slot);
            }
            start = takeStartable();
        }
        sendAll(start);
        return write.done;
    }

    /**
     * Sends every write that waits, at once and whatever the limit (a client closing right after a fetch still leaves
     * its value in L2), and takes no more.
     */
    void close() {
        List<Slot> start = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Slot slot : ready) {
                slot.queued = false;
                slot.running = true;
                inFlight++;
                start.add(slot);
            }
            ready.clear();
        }
        sendAll(start);
    }

    /** Sends {@code slots}, and those their sends find ready, from one loop on this thread. */
    private void sendAll(List<Slot> slots) {
        if (slots.isEmpty()) {
            return;
        }
        ArrayDeque<Slot> queue = sending.get();
        if (queue != null) {
            queue.addAll(slots); // a send that finished inside the loop below: it sends them
            return;
        }
        queue = new ArrayDeque<>(slots);
        sending.set(queue);
        try {
            Slot next;
            while ((next = queue.poll()) != null) {
                send(next);
            }
        } finally {
            sending.remove();
        }
    }

    /** The slots that may start now; marks them running. Under the monitor. */
    private List<Slot> takeStartable() {
        if (ready.isEmpty() || inFlight >= maxInFlight) {
            return List.of();
        }
        long pause = pausedForMillis.getAsLong();
        if (pause > 0) {
            if (!wakeUpScheduled) {
                wakeUpScheduled = true;
                scheduler.schedule(this::wakeUp, Duration.ofMillis(pause));
            }
            return List.of();
        }
        List<Slot> start = new ArrayList<>();
        while (inFlight < maxInFlight && !ready.isEmpty()) {
            Slot slot = ready.poll();
            slot.queued = false;
            slot.running = true;
            inFlight++;
            start.add(slot);
        }
        return start;
    }

    /** Sends what waits, if writes are no longer paused. */
    void wakeUp() {
        List<Slot> start;
        synchronized (this) {
            wakeUpScheduled = false;
            start = closed ? List.of() : takeStartable();
        }
        sendAll(start);
    }

    private void send(Slot slot) {
        Write write;
        synchronized (this) {
            write = slot.pending;
            slot.pending = null;
        }
        if (write == null) {
            finished(slot, null, Outcome.DONE);
            return;
        }
        write.tries++;
        CompletableFuture<Outcome> sent;
        try {
            sent = write.current.getAsBoolean() ? sender.apply(write)
                    : CompletableFuture.completedFuture(Outcome.DROPPED);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        Write sending = write;
        sent.whenComplete((outcome, error) -> finished(slot, sending, error == null ? outcome : Outcome.RETRY));
    }

    private void finished(Slot slot, @Nullable Write write, Outcome outcome) {
        List<Slot> start;
        Write completed = write;
        synchronized (this) {
            inFlight--;
            slot.running = false;
            if (write != null && outcome == Outcome.RETRY && slot.pending == null && write.tries < MAX_TRIES
                    && !closed) {
                slot.pending = write; // tried again after the pause that the failure started
                completed = null;
            }
            if (slot.pending != null) {
                slot.queued = true;
                ready.add(slot);
            } else {
                slots.remove(slot.key);
            }
            start = takeStartable();
        }
        if (completed != null) {
            completed.done.complete(outcome == Outcome.DONE);
        }
        sendAll(start);
    }
}
