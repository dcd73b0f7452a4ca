package dev.stackquery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An immutable picture of one query at one moment.
 *
 * @param data latest successful data, kept through later failures; null when there is none
 * @param dataUpdatedAt when {@code data} was fetched or set; null when there is no data
 * @param error error of the last failed fetch, cleared by the next success; null when none
 * @param errorUpdatedAt when {@code error} happened; null when none
 * @param failureCount failed attempts of the current or last fetch, reset by a success
 * @param failureReason last failed attempt's error, reset by a success; null when none
 * @param status what the query knows about its data
 * @param fetchStatus whether its function is running
 * @param invalidated whether the data was invalidated; invalidated data is stale for every caller
 * @param <T> type of the data
 */
public record QueryState<T>(
        @Nullable T data,
        @Nullable Instant dataUpdatedAt,
        @Nullable Throwable error,
        @Nullable Instant errorUpdatedAt,
        int failureCount,
        @Nullable Throwable failureReason,
        QueryStatus status,
        FetchStatus fetchStatus,
        boolean invalidated) {

    /** Checks that the state is coherent: data and its time come together, statuses are present. */
    public QueryState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(fetchStatus, "fetchStatus");
        if ((data == null) != (dataUpdatedAt == null)) {
            throw new IllegalArgumentException("data and dataUpdatedAt must both be present or both absent");
        }
        if (failureCount < 0) {
            throw new IllegalArgumentException("failureCount must not be negative: " + failureCount);
        }
    }

    /** The state of a query that has neither data nor a fetch yet. */
    public static <T> QueryState<T> idle() {
        return new QueryState<>(null, null, null, null, 0, null, QueryStatus.IDLE, FetchStatus.IDLE, false);
    }

    /** The state of a query that has {@code data} fetched or set at {@code updatedAt}. */
    public static <T> QueryState<T> success(T data, Instant updatedAt) {
        Objects.requireNonNull(data, "data");
        return new QueryState<>(data, updatedAt, null, null, 0, null, QueryStatus.SUCCESS, FetchStatus.IDLE, false);
    }

    /** Whether there is data (of any age). */
    public boolean hasData() {
        return data != null;
    }

    /** Whether the query's function is running (retries included). */
    public boolean isFetching() {
        return fetchStatus == FetchStatus.FETCHING;
    }

    /** Whether there is no data yet and a first fetch is due or running. */
    public boolean isPending() {
        return status == QueryStatus.PENDING;
    }

    /** Whether the last fetch failed after its retries. */
    public boolean isError() {
        return status == QueryStatus.ERROR;
    }

    /** Whether data is present and the last fetch (if any) succeeded. */
    public boolean isSuccess() {
        return status == QueryStatus.SUCCESS;
    }

    /**
     * Whether a caller with {@code staleTime} must treat the data as stale at {@code now}: there is no data, it
     * was invalidated, or it is at least {@code staleTime} old ({@code staleTime} 0 makes any data stale).
     */
    public boolean isStale(Instant now, Duration staleTime) {
        return isStaleAt(now.toEpochMilli(), Durations.toMillisSaturated(staleTime));
    }

    boolean isStaleAt(long nowMillis, long staleMillis) {
        Instant updated = dataUpdatedAt;
        return updated == null || invalidated
                || Durations.addSaturated(updated.toEpochMilli(), staleMillis) <= nowMillis;
    }

    QueryState<T> fetching() {
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failureCount, failureReason,
                data == null ? QueryStatus.PENDING : status, FetchStatus.FETCHING, invalidated);
    }

    QueryState<T> failedAttempt(int failures, Throwable reason) {
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failures, reason, status, fetchStatus,
                invalidated);
    }

    QueryState<T> failed(Throwable cause, Instant at) {
        return new QueryState<>(data, dataUpdatedAt, cause, at, failureCount, failureReason, QueryStatus.ERROR,
                FetchStatus.IDLE, invalidated);
    }

    QueryState<T> withInvalidated() {
        return invalidated ? this : new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failureCount,
                failureReason, status, fetchStatus, true);
    }

    QueryState<T> withFetchStatus(FetchStatus newStatus) {
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failureCount, failureReason, status,
                newStatus, invalidated);
    }
}
