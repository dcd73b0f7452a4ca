package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A clock and scheduler that move only when a test says so. {@link #advance(Duration)} runs every task that falls
 * due, in time order, with the clock set to each task's due time. Thread-safe.
 */
final class FakeTime implements QueryScheduler {

    private record Task(long due, long seq, Runnable action) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private final MutableClock clock;
    private long now;
    private long seq;

    FakeTime() {
        this(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    }

    FakeTime(long startMillis) {
        this.now = startMillis;
        this.clock = new MutableClock(Instant.ofEpochMilli(startMillis));
    }

    synchronized long millis() {
        return now;
    }

    Clock clock() {
        return clock;
    }

    @Override
    public synchronized Cancellable schedule(Runnable action, Duration delay) {
        Task task = new Task(now + Math.max(0, delay.toMillis()), seq++, action);
        tasks.add(task);
        return () -> {
            synchronized (FakeTime.this) {
                tasks.remove(task);
            }
        };
    }

    /** Number of tasks waiting. */
    synchronized int pending() {
        return tasks.size();
    }

    /** Moves time forward by {@code step}, running due tasks on the calling thread. */
    void advance(Duration step) {
        long target;
        synchronized (this) {
            target = now + step.toMillis();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    now = target;
                    clock.set(now);
                    return;
                }
                tasks.poll();
                now = Math.max(now, next.due);
                clock.set(now);
            }
            next.action.run();
        }
    }

    /** Runs tasks already due without moving time. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Events a listener saw, for assertions. */
    static final class Recorder implements QueryCacheListener {
        private final List<QueryCacheEvent> events = new ArrayList<>();

        @Override
        public synchronized void onEvent(QueryCacheEvent event) {
            events.add(event);
        }

        synchronized List<QueryCacheEvent> all() {
            return new ArrayList<>(events);
        }

        synchronized <E extends QueryCacheEvent> List<E> of(Class<E> type) {
            List<E> found = new ArrayList<>();
            for (QueryCacheEvent event : events) {
                if (type.isInstance(event)) {
                    found.add(type.cast(event));
                }
            }
            return found;
        }

        synchronized void clear() {
            events.clear();
        }
    }
}
