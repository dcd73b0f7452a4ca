package dev.stackquery.spring.boot.devtools;

import java.time.Clock;
import java.util.Objects;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryCacheListener;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryState;
import dev.stackquery.Subscription;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Listens to a client's cache events and keeps what the page shows: the newest events ({@link EventLog}) and counts
 * and durations for the charts ({@link TrafficStats}). It runs on the client's threads, on every lookup, so it only
 * counts and stores references (L1 fresh hits are counted, not kept: they would push every other event out of the
 * timeline), and it never throws into the client: a failure is logged once and the event dropped.
 */
final class DevtoolsRecorder implements QueryCacheListener, AutoCloseable {

    private static final Log LOG = LogFactory.getLog(DevtoolsRecorder.class);

    private final Clock clock;
    private final EventLog events;
    private final TrafficStats stats = new TrafficStats();
    private volatile boolean failureLogged;
    private volatile Subscription subscription = () -> { };

    DevtoolsRecorder(Clock clock, int capacity) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new EventLog(capacity);
    }

    /** A recorder of {@code client}'s events from now on, until {@link #close()}. */
    static DevtoolsRecorder listeningTo(QueryClient client, int capacity) {
        DevtoolsRecorder recorder = new DevtoolsRecorder(client.clock(), capacity);
        recorder.subscription = client.addListener(recorder);
        return recorder;
    }

    EventLog events() {
        return events;
    }

    TrafficStats stats() {
        return stats;
    }

    Clock clock() {
        return clock;
    }

    @Override
    public void onEvent(QueryCacheEvent event) {
        try {
            record(event);
        } catch (RuntimeException e) {
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("The StackQuery devtools could not record a cache event (" + event.getClass().getSimpleName()
                        + "); it goes on, and later failures are not logged", e);
            }
        }
    }

    private void record(QueryCacheEvent event) {
        long now = clock.millis();
        QueryCacheEvent kept = event;
        if (event instanceof QueryCacheEvent.Lookup lookup) {
            stats.count(now, counter(lookup));
            if (lookup.level() == QueryCacheEvent.CacheLevel.L1
                    && lookup.result() == QueryCacheEvent.LookupResult.HIT) {
                return;
            }
        } else if (event instanceof QueryCacheEvent.FetchSucceeded succeeded) {
            stats.count(now, TrafficStats.Counter.FETCHED);
            stats.duration(now, tag(succeeded.key()), succeeded.duration().toMillis());
        } else if (event instanceof QueryCacheEvent.FetchFailed) {
            stats.count(now, TrafficStats.Counter.FAILED);
        } else if (event instanceof QueryCacheEvent.Updated updated) {
            // The timeline needs the statuses; holding the data would keep old values alive as long as the event.
            QueryState<?> state = updated.state();
            kept = new QueryCacheEvent.Updated(updated.key(), new QueryState<>(null, null, state.error(),
                    state.errorUpdatedAt(), state.failureCount(), null, state.status(), state.fetchStatus(),
                    state.invalidated()));
        }
        events.add(now, kept);
    }

    private static TrafficStats.Counter counter(QueryCacheEvent.Lookup lookup) {
        boolean l1 = lookup.level() == QueryCacheEvent.CacheLevel.L1;
        return switch (lookup.result()) {
            case HIT -> l1 ? TrafficStats.Counter.L1_HIT : TrafficStats.Counter.L2_HIT;
            case STALE -> l1 ? TrafficStats.Counter.L1_STALE : TrafficStats.Counter.L2_STALE;
            case MISS -> l1 ? TrafficStats.Counter.L1_MISS : TrafficStats.Counter.L2_MISS;
        };
    }

    /** The key's first part, as the charts group fetch durations; {@code []} for the empty key. */
    static String tag(QueryKey key) {
        return key.size() == 0 ? "[]" : String.valueOf(key.part(0));
    }

    @Override
    public void close() {
        subscription.unsubscribe();
    }
}
