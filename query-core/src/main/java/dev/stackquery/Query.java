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

    // Memory per cached entry counts: the fields below fit 56 bytes (a time of last read in an int of ticks, gcTime in
    // an int, the declared type read from the options), and what few queries need is kept apart in Extras.

    /** The length of a tick of {@link #lastRead}: reads closer than this are one read for size eviction. */
    static final int READ_TICK_SHIFT = 4;
    private static final int GC_DEFAULT = -1;
    private static final int GC_NEVER = -2;
    /** {@link #gcTime} of a gcTime that does not fit an int of milliseconds, kept in {@link Extras#longGcMillis}. */
    private static final int GC_LONG = Integer.MAX_VALUE;

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
    /**
     * When a caller last read it, in ticks of 16 ms ({@code millis >>> READ_TICK_SHIFT}; see {@link #readAge}), for
     * size eviction. Racy on purpose: it is a hint, and the hit path must not pay a fence.
     */
    int lastRead;

    // Guarded by this.
    @Nullable InFlightFetch<T> inFlight;
    @Nullable QueryOptions<T> options;
    /** The longest gcTime in ms any caller gave, or GC_DEFAULT / GC_NEVER / GC_LONG. */
    private int gcTime = GC_DEFAULT;
    /** What few queries need (observers, polling, generation), kept apart so most entries stay small. */
    private @Nullable Extras<T> extras;

    private static final class Extras<T> {
        @Nullable List<DefaultQueryObserver<T, ?>> observers;
        QueryScheduler.@Nullable Cancellable pollTimer;
        long pollMillis = -1;
        long generation;
        /** The type last declared when the options in effect declare none (set by earlier options or an L2 read). */
        @Nullable TypeRef<T> type;
        long longGcMillis;
    }

    Query(QueryKey key, QueryCache home, QueryState<T> initial, long now) {
        this.key = key;
        this.home = home;
        this.state = initial;
        this.lastRead = readTick(now);
    }

    /** {@code millis} as a tick of {@link #lastRead}. */
    static int readTick(long millis) {
        return (int) (millis >>> READ_TICK_SHIFT);
    }

    /**
     * How many ticks ago the query was last read as of {@code nowTick}: 0 for a read racing the caller's clock
     * read; reads over a year ago wrap (an int of 16 ms ticks), which only makes such a query look more recent.
     */
    int readAge(int nowTick) {
        return Math.max(0, nowTick - lastRead);
    }

    /** Keeps what later refetches and L2 reads need from the options of the latest caller. */
    void remember(QueryOptions<T> newOptions, long resolvedGcMillis) {
        QueryOptions<T> before = options;
        if (before != newOptions && newOptions.typeOrNull() == null && before != null
                && before.typeOrNull() != null) {
            extras().type = before.typeOrNull(); // the latest declared type stays in effect
        }
        options = newOptions;
        // As in TanStack Query, the query keeps the longest gcTime any caller asked for.
        long gcBefore = gcMillis();
        if (resolvedGcMillis > gcBefore) {
            gcMillis(resolvedGcMillis);
            if (gcBefore < 0) {
                gcShortened = true; // the only way its gcTime can get shorter: from the default to a given one
            }
        }
    }

    /** The longest gcTime in ms any caller gave ({@code Long.MAX_VALUE}: never), or -1 for the client's default. */
    long gcMillis() {
        return switch (gcTime) {
            case GC_DEFAULT -> -1;
            case GC_NEVER -> Long.MAX_VALUE;
            case GC_LONG -> extras().longGcMillis;
            default -> gcTime;
        };
    }

    private void gcMillis(long millis) {
        if (millis == Long.MAX_VALUE) {
            gcTime = GC_NEVER;
        } else if (millis >= GC_LONG) {
            extras().longGcMillis = millis;
            gcTime = GC_LONG;
        } else {
            gcTime = (int) millis;
        }
    }

    /** The type the latest caller declared for the data, which L2 reads and writes need; null when none did. */
    @Nullable TypeRef<T> type() {
        TypeRef<T> declared = options == null ? null : options.typeOrNull();
        return declared != null || extras == null ? declared : extras.type;
    }

    /** Takes {@code read} as the data's type if no caller declared one. */
    void adoptType(TypeRef<T> read) {
        if (type() == null) {
            extras().type = read;
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
