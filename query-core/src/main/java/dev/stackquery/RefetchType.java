package dev.stackquery;

/**
 * Which of the selected queries {@link QueryClient#invalidateQueries(QueryFilter, RefetchOptions)} and
 * {@link QueryClient#refetchQueries(QueryFilter, RefetchOptions)} fetch again (TanStack Query's {@code refetchType}).
 * A query is active when at least one enabled observer watches it. Never refetched: queries without a function,
 * queries whose observers are all disabled, and queries without observers that were never fetched (idle).
 */
public enum RefetchType {
    /** Only active queries (the default of {@code invalidateQueries}). */
    ACTIVE,
    /** Only inactive queries. */
    INACTIVE,
    /** Active and inactive queries (the default of {@code refetchQueries}). */
    ALL,
    /** None: {@code invalidateQueries} only marks them stale. */
    NONE
}
