package dev.stackquery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * An immutable picture of one query at one moment. Values compare equal when all their components are equal.
 *
 * <p>(A class rather than a record so that it keeps its times as epoch milliseconds: one object per state instead of
 * three, on the path every cache hit takes.)
 *
 * @param <T> type of the data
 */
public final class QueryState<T> {

    private static final long NONE = Long.MIN_VALUE;

    private final @Nullable T data;
    private final long dataUpdatedAt;
    private final @Nullable Throwable error;
    private final long errorUpdatedAt;
    private final int failureCount;
    private final @Nullable Throwable failureReason;
    private final QueryStatus status;
    private final FetchStatus fetchStatus;
    private final boolean invalidated;
    /** The shared completed future of {@link #data}, made on the first fresh hit. */
    private volatile @Nullable CompletableFuture<T> completed;

    /**
     * Makes a state; {@code data} and {@code dataUpdatedAt} come together, statuses are required.
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
     */
    public QueryState(@Nullable T data, @Nullable Instant dataUpdatedAt, @Nullable Throwable error,
            @Nullable Instant errorUpdatedAt, int failureCount, @Nullable Throwable failureReason, QueryStatus status,
            FetchStatus fetchStatus, boolean invalidated) {
        this(data, dataUpdatedAt == null ? NONE : dataUpdatedAt.toEpochMilli(), error,
                errorUpdatedAt == null ? NONE : errorUpdatedAt.toEpochMilli(), failureCount, failureReason, status,
                fetchStatus, invalidated);
        if ((data == null) != (dataUpdatedAt == null)) {
            throw new IllegalArgumentException("data and dataUpdatedAt must both be present or both absent");
        }
    }

    private QueryState(@Nullable T data, long dataUpdatedAt, @Nullable Throwable error, long errorUpdatedAt,
            int failureCount, @Nullable Throwable failureReason, QueryStatus status, FetchStatus fetchStatus,
            boolean invalidated) {
        if (failureCount < 0) {
            throw new IllegalArgumentException("failureCount must not be negative: " + failureCount);
        }
        this.data = data;
        this.dataUpdatedAt = data == null ? NONE : dataUpdatedAt;
        this.error = error;
        this.errorUpdatedAt = errorUpdatedAt;
        this.failureCount = failureCount;
        this.failureReason = failureReason;
        this.status = Objects.requireNonNull(status, "status");
        this.fetchStatus = Objects.requireNonNull(fetchStatus, "fetchStatus");
        this.invalidated = invalidated;
    }

    /** The state of a query that has neither data nor a fetch yet. */
    public static <T> QueryState<T> idle() {
        return new QueryState<>(null, NONE, null, NONE, 0, null, QueryStatus.IDLE, FetchStatus.IDLE, false);
    }

    /** The state of a query that has {@code data} fetched or set at {@code updatedAt}. */
    public static <T> QueryState<T> success(T data, Instant updatedAt) {
        return success(data, updatedAt.toEpochMilli());
    }

    static <T> QueryState<T> success(T data, long updatedAtMillis) {
        Objects.requireNonNull(data, "data");
        return new QueryState<>(data, updatedAtMillis, null, NONE, 0, null, QueryStatus.SUCCESS, FetchStatus.IDLE,
                false);
    }

    /** Latest successful data, kept through later failures; null when there is none. */
    public @Nullable T data() {
        return data;
    }

    /** When {@link #data()} was fetched or set; null when there is no data. */
    public @Nullable Instant dataUpdatedAt() {
        return data == null ? null : Instant.ofEpochMilli(dataUpdatedAt);
    }

    /** Error of the last failed fetch, cleared by the next success; null when none. */
    public @Nullable Throwable error() {
        return error;
    }

    /** When {@link #error()} happened; null when none. */
    public @Nullable Instant errorUpdatedAt() {
        return errorUpdatedAt == NONE ? null : Instant.ofEpochMilli(errorUpdatedAt);
    }

    /** Failed attempts of the current or last fetch, reset by a success. */
    public int failureCount() {
        return failureCount;
    }

    /** Last failed attempt's error, reset by a success; null when none. */
    public @Nullable Throwable failureReason() {
        return failureReason;
    }

    /** What the query knows about its data. */
    public QueryStatus status() {
        return status;
    }

    /** Whether its function is running. */
    public FetchStatus fetchStatus() {
        return fetchStatus;
    }

    /** Whether the data was invalidated; invalidated data is stale for every caller. */
    public boolean invalidated() {
        return invalidated;
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
        return data == null || invalidated || Durations.addSaturated(dataUpdatedAt, staleMillis) <= nowMillis;
    }

    /** A completed future of the data, shared by every fresh hit on this state; the caller checked data is there. */
    CompletableFuture<T> completedData() {
        CompletableFuture<T> future = completed;
        if (future == null) {
            // Racing hits may each make one; any of them is as good as another.
            future = new CompletedFuture<>(Objects.requireNonNull(data, "data"));
            completed = future;
        }
        return future;
    }

    /** {@link #dataUpdatedAt()} in epoch milliseconds; {@code Long.MIN_VALUE} without data. */
    long dataUpdatedAtMillis() {
        return dataUpdatedAt;
    }

    QueryState<T> fetching(boolean resetFailures) {
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, resetFailures ? 0 : failureCount,
                resetFailures ? null : failureReason, data == null ? QueryStatus.PENDING : status,
                FetchStatus.FETCHING, invalidated);
    }

    QueryState<T> failedAttempt(int failures, Throwable reason) {
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failures, reason, status, fetchStatus,
                invalidated);
    }

    QueryState<T> failed(Throwable cause, long atMillis) {
        return new QueryState<>(data, dataUpdatedAt, cause, atMillis, failureCount, failureReason, QueryStatus.ERROR,
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

    /** Back to idle fetching after a cancelled fetch: status as before it, unless data arrived meanwhile. */
    QueryState<T> cancelled(QueryStatus statusBefore) {
        QueryStatus restored = data != null ? (status == QueryStatus.PENDING ? QueryStatus.SUCCESS : status)
                : statusBefore;
        return new QueryState<>(data, dataUpdatedAt, error, errorUpdatedAt, failureCount, failureReason, restored,
                FetchStatus.IDLE, invalidated);
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other == this || (other instanceof QueryState<?> that && dataUpdatedAt == that.dataUpdatedAt
                && errorUpdatedAt == that.errorUpdatedAt && failureCount == that.failureCount
                && invalidated == that.invalidated && status == that.status && fetchStatus == that.fetchStatus
                && Objects.equals(data, that.data) && Objects.equals(error, that.error)
                && Objects.equals(failureReason, that.failureReason));
    }

    @Override
    public int hashCode() {
        return Objects.hash(data, dataUpdatedAt, error, errorUpdatedAt, failureCount, failureReason, status,
                fetchStatus, invalidated);
    }

    @Override
    public String toString() {
        return "QueryState[status=" + status + ", fetchStatus=" + fetchStatus + ", data=" + data
                + ", dataUpdatedAt=" + dataUpdatedAt() + ", error=" + error + ", failureCount=" + failureCount
                + ", invalidated=" + invalidated + "]";
    }
}
