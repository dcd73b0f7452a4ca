package dev.stackquery;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the client's timers: retry delays, attempt timeouts, storage timeouts and garbage collection. Tasks are
 * short and never block. Inject one (with a matching {@link java.time.Clock}) to drive time in tests.
 */
@FunctionalInterface
public interface QueryScheduler {

    /** A scheduled task that can still be called off. */
    @FunctionalInterface
    interface Cancellable {
        /** Calls the task off if it has not run; harmless otherwise. */
        void cancel();
    }

    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Runnable task, Duration delay);

    /** A scheduler backed by {@code executor}; the caller keeps ownership of it. */
    static QueryScheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delay) -> {
            ScheduledFuture<?> future = executor.schedule(task, Math.max(0, Durations.toMillisSaturated(delay)),
                    TimeUnit.MILLISECONDS);
            return () -> future.cancel(false);
        };
    }
}
