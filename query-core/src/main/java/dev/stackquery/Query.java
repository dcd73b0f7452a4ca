package dev.stackquery;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One cached query in L1.
 *
 * <p>Concurrency: {@link #state} is volatile so the hit path reads it without locking; every change of state,
 * in-flight fetch, observers, options or removal happens while holding this object's monitor, so a check and the
 * change it leads to are atomic per key. No code holds two query monitors at once, and futures are completed only
 * after the monitor is released, so callers' continuations never run under it.
 */
final class Query<T> {

    final QueryKey key;
    /** The L1 holding this query: tells a {@link QueryOptions#lastQuery} hint of this client from another's. */
    final QueryCache home;
    volatile QueryState<T> state;
    /** Set once under the monitor, read by lock-free paths: a removed query is never brought back. */
    volatile boolean removed;
    /** When the GC may remove this query; {@code Long.MAX_VALUE} when never. Written under the monitor. */
    volatile long gcAt = Long.MAX_VALUE;
    /** Whether the GC's heap holds an entry for this query; written under the {@link GcScheduler}'s monitor. */
    volatile boolean gcQueued;
    /**
     * Set when the query's gcTime stops being the client's default for one given by options, which may be shorter:
     * its next deadline then gets an entry of its own, as the one queued may be later. Guarded by the monitor.
     */
    boolean gcShortened;
    /** Last time a caller read it, for size eviction. Racy on purpose: it is a hint, and the hit path must not pay a fence. */
    long lastAccess;

    // Guarded by this.
    @Nullable InFlightFetch<T> inFlight;
    @Nullable QueryOptions<T> options;
    @Nullable TypeRef<T> type;
    long gcMillis = -1;
    /** What few queries need (observers, polling, generation), kept apart so most entries stay small. */
    private @Nullable Extras<T> extras;

    private static final class Extras<T> {
        @Nullable List<DefaultQueryObserver<T, ?>> observers;
        QueryScheduler.@Nullable Cancellable pollTimer;
        long pollMillis = -1;
        long generation;
    }

    Query(QueryKey key, QueryCache home, QueryState<T> initial, long now) {
        this.key = key;
        this.home = home;
        this.state = initial;
        this.lastAccess = now;
    }

    /** Keeps what later refetches and L2 reads need from the options of the latest caller. */
    void remember(QueryOptions<T> newOptions, long resolvedGcMillis) {
        options = newOptions;
        TypeRef<T> declared = newOptions.typeOrNull();
        if (declared != null) {
            type = declared;
        }
        // As in TanStack Query, the query keeps the longest gcTime any caller asked for.
        long before = gcMillis;
        gcMillis = Math.max(gcMillis, resolvedGcMillis);
        if (before < 0 && gcMillis >= 0) {
            gcShortened = true; // the only way its gcTime can get shorter: from the default to a given one
        }
    }

    // The accessors below are called with the monitor held.

    private Extras<T> extras() {
        if (extras == null) {
            extras = new Extras<>();
        }
        return extras;
    }

    /**
     * How many times the query's data was superseded: invalidated (here or by another instance), reset, removed, set,
     * or put in doubt by a reconnect of the invalidation bus. A fetch remembers it when it starts; data it brings back
     * after the generation moved on was read before the change, and so arrives stale (see {@link InFlightFetch}).
     */
    long generation() {
        return extras == null ? 0 : extras.generation;
    }

    /** Starts a new generation; data read from the source or from L2 before now no longer counts as fresh. */
    void supersede() {
        extras().generation++;
    }

    /** {@link #generation()} taken under the monitor, for callers that hold no lock. */
    synchronized boolean isGeneration(long generation) {
        return !removed && generation() == generation;
    }

    /** The attached observers, or null when there are none. */
    @Nullable List<DefaultQueryObserver<T, ?>> observers() {
        return extras == null ? null : extras.observers;
    }

    int observerCount() {
        List<DefaultQueryObserver<T, ?>> observers = observers();
        return observers == null ? 0 : observers.size();
    }

    void addObserver(DefaultQueryObserver<T, ?> observer) {
        Extras<T> e = extras();
        if (e.observers == null) {
            e.observers = new ArrayList<>(2);
        }
        e.observers.add(observer);
    }

    void removeObserver(DefaultQueryObserver<T, ?> observer) {
        List<DefaultQueryObserver<T, ?>> observers = observers();
        if (observers != null) {
            observers.remove(observer);
            if (observers.isEmpty()) {
                extras.observers = null;
            }
        }
    }

    long pollMillis() {
        return extras == null ? -1 : extras.pollMillis;
    }

    /** Replaces the polling timer (cancelling the old one); {@code timer} null and -1 stop polling. */
    void polling(QueryScheduler.@Nullable Cancellable timer, long millis) {
        if (extras == null && timer == null) {
            return;
        }
        Extras<T> e = extras();
        if (e.pollTimer != null && e.pollTimer != timer) {
            e.pollTimer.cancel();
        }
        e.pollTimer = timer;
        e.pollMillis = millis;
    }
}
