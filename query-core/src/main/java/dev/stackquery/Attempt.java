package dev.stackquery;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One call of a query function: its {@link QueryContext}, its cancellation and the thread running it.
 *
 * <p>The monitor guards the cancel actions and {@link #runner}: a cancel interrupts the thread only while the
 * function runs in it, never a pool thread that has moved on to other work.
 */
final class Attempt implements QueryContext {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");

    private final QueryKey key;
    private final int number;
    private volatile boolean cancelled;
    private @Nullable List<Runnable> cancelActions;
    private @Nullable Thread runner;
    QueryScheduler.@Nullable Cancellable timeout;
    /** The observer's view of this call, if one watches; ended once. */
    private volatile SourceCallObserver.@Nullable Call observed;

    Attempt(QueryKey key, int number) {
        this.key = key;
        this.number = number;
    }

    @Override
    public QueryKey key() {
        return key;
    }

    @Override
    public int attempt() {
        return number;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
        Objects.requireNonNull(action, "action");
        synchronized (this) {
            if (!cancelled) {
                if (cancelActions == null) {
                    cancelActions = new ArrayList<>(2);
                }
                cancelActions.add(action);
                return;
            }
        }
        runQuietly(action);
    }

    /**
     * What {@code observer} keeps of a fetch of {@code key} starting on this thread (its trace context), or null;
     * an observer that throws is ignored.
     */
    static @Nullable Object fetchContext(@Nullable SourceCallObserver observer, QueryKey key) {
        if (observer == null) {
            return null;
        }
        try {
            return observer.fetchStarting(key);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "source call observer failed on query " + key + "; ignored", e);
            return null;
        }
    }

    /** Starts observing this call, on the thread about to make it; an observer that throws is ignored. */
    void observe(@Nullable SourceCallObserver observer, @Nullable Object fetchContext) {
        if (observer == null) {
            return;
        }
        try {
            observed = observer.calling(key, number, fetchContext);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "source call observer failed on query " + key + "; ignored", e);
        }
    }

    /** The function returned, on the thread that called it. */
    void returned() {
        SourceCallObserver.Call call = observed;
        if (call != null) {
            try {
                call.returned();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "source call observer failed on query " + key + "; ignored", e);
            }
        }
    }

    /** The attempt ended; the observer hears of it once. */
    void ended(@Nullable Throwable error) {
        SourceCallObserver.Call call = observed;
        if (call == null) {
            return;
        }
        synchronized (this) {
            if (observed != call) {
                return;
            }
            observed = null;
        }
        try {
            call.ended(error);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "source call observer failed on query " + key + "; ignored", e);
        }
    }

    synchronized void enter() {
        runner = Thread.currentThread();
    }

    /** Called by the running thread when the function returned; clears an interrupt meant for this attempt. */
    synchronized void exit() {
        runner = null;
        if (cancelled) {
            Thread.interrupted();
        }
    }

    void cancel() {
        List<Runnable> actions;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            actions = cancelActions;
            cancelActions = null;
            if (runner != null) {
                runner.interrupt();
            }
        }
        QueryScheduler.Cancellable timer = timeout;
        if (timer != null) {
            timer.cancel();
        }
        if (actions != null) {
            actions.forEach(this::runQuietly);
        }
        ended(new java.util.concurrent.CancellationException("attempt " + number + " of query " + key
                + " was cancelled"));
    }

    private void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "onCancel action of query " + key + " threw; ignored", e);
        }
    }
}
