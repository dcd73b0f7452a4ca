package dev.stackquery;

import java.util.Collection;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * L1: the queries by key, bounded by {@code maxQueries}.
 *
 * <p>The map is a {@link ConcurrentHashMap}, read without locks. When an insert takes it over the bound, one thread
 * (the others skip) scans it and evicts the least recently read inactive queries, down to 1 % below the bound so
 * that the scan is paid once per many inserts. Observed or fetching queries are never evicted; if every query is
 * one of those, L1 stays over the bound until some settle.
 */
final class QueryCache {

    private final ConcurrentHashMap<QueryKey, Query<?>> queries = new ConcurrentHashMap<>();
    private final int maxQueries;
    private final AtomicBoolean evicting = new AtomicBoolean();

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
        Query<?> previous = queries.putIfAbsent(query.key, query);
        return previous == null ? query : (Query<T>) previous;
    }

    void remove(Query<?> query) {
        queries.remove(query.key, query);
    }

    Collection<Query<?>> all() {
        return queries.values();
    }

    int size() {
        return queries.size();
    }

    /** Evicts with {@code evict} (which re-checks under the query's monitor) while L1 is over its bound. */
    void evictIfNeeded(Predicate<Query<?>> evict) {
        int excess = queries.size() - maxQueries;
        if (excess <= 0 || !evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            int wanted = excess + maxQueries / 100;
            // Max-heap on lastAccess holding the `wanted` least recently read candidates seen so far.
            PriorityQueue<Query<?>> oldest = new PriorityQueue<>(wanted + 1,
                    Comparator.comparingLong((Query<?> q) -> q.lastAccess).reversed());
            for (Query<?> query : queries.values()) {
                if (query.removed || query.state.isFetching()) {
                    continue;
                }
                if (oldest.size() < wanted) {
                    oldest.add(query);
                } else if (query.lastAccess < oldest.peek().lastAccess) {
                    oldest.poll();
                    oldest.add(query);
                }
            }
            for (Query<?> query : oldest) {
                evict.test(query);
            }
        } finally {
            evicting.set(false);
        }
    }
}
