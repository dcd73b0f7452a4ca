package dev.stackquery;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Dispatches {@link QueryCacheEvent}s to listeners and isolates listeners and user callbacks that throw.
 *
 * <p>The listener array is copied on write and read without locking, so that {@link #hasListeners()} costs one
 * volatile read on the hit path.
 */
final class CacheEvents {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");
    private static final QueryCacheListener[] NONE = new QueryCacheListener[0];

    private volatile QueryCacheListener[] listeners = NONE;
    private volatile boolean listenerFailureLogged;

    boolean hasListeners() {
        return listeners.length > 0;
    }

    Subscription add(QueryCacheListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            QueryCacheListener[] now = listeners;
            QueryCacheListener[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = listener;
            listeners = next;
        }
        return () -> remove(listener);
    }

    private synchronized void remove(QueryCacheListener listener) {
        QueryCacheListener[] now = listeners;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == listener) {
                QueryCacheListener[] next = new QueryCacheListener[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                listeners = next;
                return;
            }
        }
    }

    void fire(QueryCacheEvent event) {
        QueryCacheListener[] current = listeners;
        for (QueryCacheListener listener : current) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException | Error e) {
                rethrowFatal(e);
                logFailure("listener " + listener, event.key(), e);
                if (!(event instanceof QueryCacheEvent.ListenerFailed)) {
                    fireExcept(new QueryCacheEvent.ListenerFailed(event.key(), "listener " + listener, e), listener);
                }
            }
        }
    }

    private void fireExcept(QueryCacheEvent event, QueryCacheListener failed) {
        for (QueryCacheListener listener : listeners) {
            if (listener != failed) {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException e) {
                    logFailure("listener " + listener, event.key(), e);
                }
            }
        }
    }

    /** Runs a user callback ({@code onSuccess}...), reporting rather than propagating what it throws. */
    <X> void callback(String name, QueryKey key, Consumer<X> callback, X argument) {
        try {
            callback.accept(argument);
        } catch (RuntimeException | Error e) {
            rethrowFatal(e);
            logFailure(name, key, e);
            fire(new QueryCacheEvent.ListenerFailed(key, name, e));
        }
    }

    private void logFailure(String source, QueryKey key, Throwable e) {
        // The first failure is a warning with the stack trace; repeats are debug so a broken listener cannot flood.
        if (!listenerFailureLogged) {
            listenerFailureLogged = true;
            LOG.log(Level.WARNING, source + " threw for query " + key + "; it is ignored (further failures are"
                    + " logged at DEBUG)", e);
        } else {
            LOG.log(Level.DEBUG, source + " threw for query " + key, e);
        }
    }

    static void rethrowFatal(Throwable e) {
        if (e instanceof VirtualMachineError fatal) {
            throw fatal;
        }
    }
}
