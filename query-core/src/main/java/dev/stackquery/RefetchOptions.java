package dev.stackquery;

import java.util.Objects;

/**
 * How {@link QueryClient#invalidateQueries(QueryFilter, RefetchOptions)} and
 * {@link QueryClient#refetchQueries(QueryFilter, RefetchOptions)} refetch: which queries ({@link RefetchType}), and
 * what to do with a fetch already running.
 *
 * @param type which of the selected queries are fetched again
 * @param cancelRefetch whether a fetch already running on a query that has data is cancelled and started again, so
 *        that the refetch surely reads the source after the call (TanStack Query's {@code cancelRefetch}, whose
 *        default there is true). Default false here: the running call is left to finish, because a source call
 *        cancelled mid-way on a server is work thrown away, and no caller gets data read before an invalidation
 *        anyway (a fetch that started before it ends invalidated and is followed by a new one for those who need
 *        fresh data). Callers waiting for a cancelled fetch get the new one's outcome.
 */
public record RefetchOptions(RefetchType type, boolean cancelRefetch) {

    /** Checks the type. */
    public RefetchOptions {
        Objects.requireNonNull(type, "type");
    }

    /** Options refetching {@code type}, leaving running fetches alone. */
    public static RefetchOptions of(RefetchType type) {
        return new RefetchOptions(type, false);
    }

    /** These options with {@code cancelRefetch} set. */
    public RefetchOptions withCancelRefetch(boolean cancelRefetch) {
        return new RefetchOptions(type, cancelRefetch);
    }
}
