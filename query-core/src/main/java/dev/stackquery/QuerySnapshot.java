package dev.stackquery;

import java.util.Objects;

/**
 * One query as {@link QueryClient#findAll(QueryFilter)} saw it.
 *
 * @param key the query's key
 * @param state its state at that moment
 * @param observerCount how many observers watch it; observed queries are active
 */
public record QuerySnapshot(QueryKey key, QueryState<?> state, int observerCount) {

    /** Checks the fields. */
    public QuerySnapshot {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
    }

    /** Whether at least one observer watches the query. */
    public boolean isActive() {
        return observerCount > 0;
    }
}
