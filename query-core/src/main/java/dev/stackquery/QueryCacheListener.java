package dev.stackquery;

/**
 * Receives a client's {@link QueryCacheEvent}s, synchronously, on the thread that caused each one; it must be quick
 * and must not call back into the client in a way that waits. A listener that throws is logged and otherwise
 * ignored: it never breaks a query, another listener or the caller.
 */
@FunctionalInterface
public interface QueryCacheListener {

    /** Handles one event. */
    void onEvent(QueryCacheEvent event);
}
