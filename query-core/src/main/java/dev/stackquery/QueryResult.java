package dev.stackquery;

import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What an observer shows of its query at one moment: the query's state seen through the observer's options
 * ({@code select}, {@code placeholderData}, {@code staleTime}). Immutable.
 *
 * @param status status; {@link QueryStatus#SUCCESS} while placeholder data is shown, as in TanStack Query
 * @param fetchStatus whether the query's function is running
 * @param data the data after {@code select}, or the placeholder; null when there is neither
 * @param error error of the last failed fetch, or of {@code select}; null when none
 * @param isStale whether the data is stale for this observer: missing, invalidated or older than its {@code staleTime};
 *        never while the observer is disabled, as in TanStack Query (a disabled observer does not fetch by itself)
 * @param isPlaceholder whether {@code data} is the placeholder, which is never cached
 * @param dataUpdatedAt when the (real) data was fetched or set; null without data
 * @param failureCount failed attempts of the current or last fetch
 * @param <T> type of the data after {@code select}
 */
public record QueryResult<T>(
        QueryStatus status,
        FetchStatus fetchStatus,
        @Nullable T data,
        @Nullable Throwable error,
        boolean isStale,
        boolean isPlaceholder,
        @Nullable Instant dataUpdatedAt,
        int failureCount) {

    /** Checks the statuses. */
    public QueryResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(fetchStatus, "fetchStatus");
    }

    /** Whether there is data to show (placeholder included). */
    public boolean hasData() {
        return data != null;
    }

    /** Whether the status is {@link QueryStatus#SUCCESS}. */
    public boolean isSuccess() {
        return status == QueryStatus.SUCCESS;
    }

    /** Whether the status is {@link QueryStatus#ERROR}. */
    public boolean isError() {
        return status == QueryStatus.ERROR;
    }

    /** Whether there is no data yet ({@link QueryStatus#PENDING} or {@link QueryStatus#IDLE}). */
    public boolean isPending() {
        return status == QueryStatus.PENDING || status == QueryStatus.IDLE;
    }

    /** Whether the query's function is running. */
    public boolean isFetching() {
        return fetchStatus == FetchStatus.FETCHING;
    }

    /** Whether the first fetch is running: pending and fetching. */
    public boolean isLoading() {
        return status == QueryStatus.PENDING && fetchStatus == FetchStatus.FETCHING;
    }
}
