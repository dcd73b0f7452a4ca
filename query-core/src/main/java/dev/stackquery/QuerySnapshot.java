package dev.stackquery;

import java.util.Objects;

/**
 * One query as {@link QueryClient#findAll(QueryFilter)} saw it.
 *
 * @param key the query's key
 * @param state its state at that moment
 * @param observerCount how many observers watch it; observed queries are active
 * @param stale whether its data was stale then, by the staleTime of the options that last fetched it (or the
 *        client's default): true as well when it has no data or was invalidated
 */
public record QuerySnapshot(QueryKey key, QueryState<?> state, int observerCount, boolean stale) {

    /** Checks the fields. */
    public QuerySnapshot {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
    }

    /**
     * A snapshot judged without a staleTime: stale only when it has no data or was invalidated.
     */
    public QuerySnapshot(QueryKey key, QueryState<?> state, int observerCount) {
        this(key, state, observerCount, !Objects.requireNonNull(state, "state").hasData() || state.invalidated());
    }

    /** Whether at least one observer watches the query. */
    public boolean isActive() {
        return observerCount > 0;
    }
}
