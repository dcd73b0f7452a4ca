package dev.stackquery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * L1: the queries by key, bounded by {@code maxQueries}, with an index of the longer keys by their first two parts for
 * prefix lookups ({@link #forEachWithPrefix}).
 *
 * <p>The map is a {@link ConcurrentHashMap}, read without locks. When an insert takes it over the bound, one thread
 * (the others skip) scans it and evicts the least recently read inactive queries, down to 1 % below the bound so
 * that the scan is paid once per many inserts. Observed or fetching queries are never evicted; if every query is
 * one of those, L1 stays over the bound until some settle.
 */
final class QueryCache {

    private final ConcurrentHashMap<QueryKey, Query<?>> queries = new ConcurrentHashMap<>();
    /**
     * The queries of three parts or more by their first two parts (their group), so that a prefix of two parts or
     * more finds its matches among its group's instead of among all of L1. Keys of one or two parts, the most common
     * shape, cost it nothing. A group's bucket is a small immutable array replaced on each change (inside the map's
     * atomic {@code compute}, so changes of one group are serialized), or a concurrent set once it grows large.
     */
    private final ConcurrentHashMap<QueryKey, Object> groups = new ConcurrentHashMap<>();
    private final int maxQueries;
    private final AtomicBoolean evicting = new AtomicBoolean();

    /** Above this many queries a group's bucket becomes a concurrent set, so adding stays O(1). */
    private static final int ARRAY_BUCKET_MAX = 32;
    private static final Query<?>[] NO_QUERIES = new Query<?>[0];

    QueryCache(int maxQueries) {
        this.maxQueries = maxQueries;
    }

    @SuppressWarnings("unchecked")
    <T> @Nullable Query<T> get(QueryKey key) {
        return (Query<T>) queries.get(key);
    }

    /** Puts {@code query} unless its key is taken; returns the query now in the map under its key. */
    @SuppressWarnings("unchecked")
    <T> Query<T> putIfAbsent(Query<T> query) {
        // Indexed first: once in the map it may be removed, and the removal must find it in its group.
        boolean grouped = query.key.size() >= 3;
        if (grouped) {
            addToGroup(query);
        }
        Query<?> previous = queries.putIfAbsent(query.key, query);
        if (previous != null && grouped) {
            removeFromGroup(query);
        }
        return previous == null ? query : (Query<T>) previous;
    }

    void remove(Query<?> query) {
        if (queries.remove(query.key, query) && query.key.size() >= 3) {
            removeFromGroup(query);
        }
    }

    /**
     * Hands {@code action} the queries whose key starts with {@code prefix} (whole parts), removed ones possibly
     * included: for a prefix of two parts or more, those of its group (and, for a two-part prefix, the query of that
     * key), so the cost follows the group's size, not L1's; for a shorter prefix, every query in L1.
     */
    void forEachWithPrefix(QueryKey prefix, Consumer<Query<?>> action) {
        if (prefix.size() < 2) {
            for (Query<?> query : queries.values()) {
                if (query.key.startsWith(prefix)) {
                    action.accept(query);
                }
            }
            return;
        }
        if (prefix.size() == 2) {
            Query<?> itself = queries.get(prefix);
            if (itself != null) {
                action.accept(itself);
            }
        }
        Object bucket = groups.get(prefix.size() == 2 ? prefix : prefix.head(2));
        if (bucket instanceof Query<?>[] array) {
            for (Query<?> query : array) {
                if (query.key.startsWith(prefix)) {
                    action.accept(query);
                }
            }
        } else if (bucket instanceof Set<?> set) {
            for (Object each : set) {
                Query<?> query = (Query<?>) each;
                if (query.key.startsWith(prefix)) {
                    action.accept(query);
                }
            }
        }
    }

    /** {@link #forEachWithPrefix} collected, for tests. */
    List<Query<?>> withPrefix(QueryKey prefix) {
        List<Query<?>> found = new ArrayList<>();
        forEachWithPrefix(prefix, found::add);
        return found;
    }

    private void addToGroup(Query<?> query) {
        groups.compute(query.key.head(2), (group, bucket) -> {
            if (bucket instanceof Set<?> set) {
                @SuppressWarnings("unchecked")
                Set<Query<?>> queriesOfGroup = (Set<Query<?>>) set;
                queriesOfGroup.add(query);
                return set;
            }
            Query<?>[] array = bucket == null ? NO_QUERIES : (Query<?>[]) bucket;
            if (array.length < ARRAY_BUCKET_MAX) {
                Query<?>[] grown = Arrays.copyOf(array, array.length + 1);
                grown[array.length] = query;
                return grown;
            }
            Set<Query<?>> set = ConcurrentHashMap.newKeySet(array.length * 2);
            set.addAll(Arrays.asList(array));
            set.add(query);
            return set;
        });
    }

    private void removeFromGroup(Query<?> query) {
        groups.computeIfPresent(query.key.head(2), (group, bucket) -> {
            if (bucket instanceof Set<?> set) {
                set.remove(query);
                return set.isEmpty() ? null : set;
            }
            Query<?>[] array = (Query<?>[]) bucket;
            for (int i = 0; i < array.length; i++) {
                if (array[i] == query) {
                    if (array.length == 1) {
                        return null;
                    }
                    Query<?>[] shrunk = new Query<?>[array.length - 1];
                    System.arraycopy(array, 0, shrunk, 0, i);
                    System.arraycopy(array, i + 1, shrunk, i, array.length - i - 1);
                    return shrunk;
                }
            }
            return array;
        });
    }

    /** Number of groups indexed, for tests. */
    int groupCount() {
        return groups.size();
    }

    Collection<Query<?>> all() {
        return queries.values();
    }

    int size() {
        return queries.size();
    }

    /**
     * Whether L1 is over its bound and no eviction is running, in which case the caller must run
     * {@link #evictOldest} (which ends it) or {@link #endEviction}.
     */
    boolean startEviction() {
        return queries.size() > maxQueries && evicting.compareAndSet(false, true);
    }

    void endEviction() {
        evicting.set(false);
    }

    /**
     * Evicts with {@code evict} (which re-checks under the query's monitor) the least recently read queries past the
     * bound, and 1 % more so that the next scan is 1 % of inserts away; ends the eviction {@link #startEviction}
     * started. Other threads' inserts go on meanwhile and cannot start a scan of their own, so it scans again while
     * they left L1 over its bound (as long as the last scan could evict something: queries that are fetching or
     * observed stay).
     */
    void evictOldest(int nowTick, Predicate<Query<?>> evict) {
        boolean evicted = true;
        while (true) {
            try {
                int excess;
                while (evicted && (excess = queries.size() - maxQueries) > 0) {
                    evicted = scan(excess + maxQueries / 100, nowTick, evict);
                }
            } finally {
                endEviction();
            }
            // An insert that went over the bound after the last check found this eviction running.
            if (!evicted || !startEviction()) {
                return;
            }
        }
    }

    /** Evicts the {@code wanted} least recently read queries that are not fetching; whether any went. */
    private boolean scan(int wanted, int nowTick, Predicate<Query<?>> evict) {
        // Min-heap on read age holding the `wanted` least recently read candidates seen so far.
        PriorityQueue<Query<?>> oldest = new PriorityQueue<>(wanted + 1,
                Comparator.comparingInt((Query<?> q) -> q.readAge(nowTick)));
        for (Query<?> query : queries.values()) {
            if (query.removed || query.state.isFetching()) {
                continue;
            }
            if (oldest.size() < wanted) {
                oldest.add(query);
            } else if (query.readAge(nowTick) > oldest.peek().readAge(nowTick)) {
                oldest.poll();
                oldest.add(query);
            }
        }
        boolean any = false;
        for (Query<?> query : oldest) {
            any |= evict.test(query);
        }
        return any;
    }
}
