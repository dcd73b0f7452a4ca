package dev.stackquery;

import java.util.Objects;

/**
 * One query as {@link QueryClient#findAll(QueryFilter)} saw it.
 *
 * @param key the query's key
 * @param state its state at that moment
 * @param observerCount how many observers watch it; observed queries are active
 * @param stale whether the query was stale then, by TanStack Query's rule: an observed query is stale when the
 *        result of at least one of its enabled observers is stale (by that observer's {@code staleTime}); a query
 *        without observers has no {@code staleTime} to judge by, so it is stale only when it has no data or was
 *        invalidated
 * @param staleByTime whether its data was older than the {@code staleTime} of the options that last used it (or the
 *        client's default) then, or missing, or invalidated: whether a caller with those options would refetch
 */
public record QuerySnapshot(QueryKey key, QueryState<?> state, int observerCount, boolean stale,
        boolean staleByTime) {

    /** Checks the fields. */
    public QuerySnapshot {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
    }

    /** A snapshot whose two judgements of staleness agree. */
    public QuerySnapshot(QueryKey key, QueryState<?> state, int observerCount, boolean stale) {
        this(key, state, observerCount, stale, stale);
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
