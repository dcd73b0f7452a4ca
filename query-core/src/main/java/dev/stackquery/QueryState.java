package dev.stackquery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * An immutable picture of one query at one moment. Values compare equal when all their components are equal.
 *
 * <p>(A class rather than a record so that it keeps its times as epoch milliseconds and packs its flags: one object
 * of 32 bytes per state instead of three, as every cached entry holds one and every cache hit reads one.)
 *
 * @param <T> type of the data
 */
public final class QueryState<T> {

    private static final long NONE = Long.MIN_VALUE;
    /** Times are kept in the low 56 bits of {@link #stamp}: about a million years either side of 1970. */
    private static final int TIME_BITS = 56;
    private static final long TIME_LIMIT = 1L << (TIME_BITS - 1);
    private static final long TIME_MASK = (1L << TIME_BITS) - 1;
    private static final int STATUS_SHIFT = TIME_BITS;
    private static final int FETCH_STATUS_SHIFT = TIME_BITS + 2;
    private static final long INVALIDATED = 1L << (TIME_BITS + 4);
    private static final QueryStatus[] STATUSES = QueryStatus.values();
    private static final FetchStatus[] FETCH_STATUSES = FetchStatus.values();

    // Memory per cached entry counts (one state per query), so a state is four fields in 32 bytes: the data, the
    // time it was updated with the status, fetch status and invalidated flag in the long's top byte, the failure
    // fields in an object of their own that only failed queries carry, and the shared future of the data.
    private final @Nullable T data;
    private final long stamp;
    private final @Nullable Failure failure;
    /** The shared completed future of {@link #data}, made on the first fresh hit. */
    private volatile @Nullable CompletableFuture<T> completed;

    /** What a state knows about failures; absent (null) while there are none. */
    private record Failure(@Nullable Throwable error, long errorUpdatedAt, int failureCount,
            @Nullable Throwable failureReason) {
    }

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
     * @throws IllegalArgumentException if only one of {@code data} and {@code dataUpdatedAt} is given, if
     *         {@code failureCount} is negative, or if a time is more than a million years from 1970
     */
    public QueryState(@Nullable T data, @Nullable Instant dataUpdatedAt, @Nullable Throwable error,
            @Nullable Instant errorUpdatedAt, int failureCount, @Nullable Throwable failureReason, QueryStatus status,
            FetchStatus fetchStatus, boolean invalidated) {
        this(data, dataUpdatedAt == null ? NONE : dataUpdatedAt.toEpochMilli(),
                failure(error, errorUpdatedAt == null ? NONE : errorUpdatedAt.toEpochMilli(), failureCount,
                        failureReason),
                status, fetchStatus, invalidated);
        if ((data == null) != (dataUpdatedAt == null)) {
            throw new IllegalArgumentException("data and dataUpdatedAt must both be present or both absent");
        }
    }

    private QueryState(@Nullable T data, long dataUpdatedAt, @Nullable Failure failure, QueryStatus status,
            FetchStatus fetchStatus, boolean invalidated) {
        this.data = data;
        this.stamp = stamp(data == null ? 0 : dataUpdatedAt, Objects.requireNonNull(status, "status"),
                Objects.requireNonNull(fetchStatus, "fetchStatus"), invalidated);
        this.failure = failure;
    }

    private static long stamp(long millis, QueryStatus status, FetchStatus fetchStatus, boolean invalidated) {
        if (millis < -TIME_LIMIT || millis >= TIME_LIMIT) {
            throw new IllegalArgumentException("dataUpdatedAt is out of range: " + Instant.ofEpochMilli(millis));
        }
        return (millis & TIME_MASK) | ((long) status.ordinal() << STATUS_SHIFT)
                | ((long) fetchStatus.ordinal() << FETCH_STATUS_SHIFT) | (invalidated ? INVALIDATED : 0);
    }

    private static @Nullable Failure failure(@Nullable Throwable error, long errorUpdatedAt, int failureCount,
            @Nullable Throwable failureReason) {
        if (failureCount < 0) {
            throw new IllegalArgumentException("failureCount must not be negative: " + failureCount);
        }
        return error == null && errorUpdatedAt == NONE && failureCount == 0 && failureReason == null ? null
                : new Failure(error, errorUpdatedAt, failureCount, failureReason);
    }

    /** The state of a query that has neither data nor a fetch yet. */
    public static <T> QueryState<T> idle() {
        return new QueryState<>(null, NONE, null, QueryStatus.IDLE, FetchStatus.IDLE, false);
    }

    /** The state of a query that has {@code data} fetched or set at {@code updatedAt}. */
    public static <T> QueryState<T> success(T data, Instant updatedAt) {
        return success(data, updatedAt.toEpochMilli());
    }

    static <T> QueryState<T> success(T data, long updatedAtMillis) {
        Objects.requireNonNull(data, "data");
        return new QueryState<>(data, updatedAtMillis, null, QueryStatus.SUCCESS, FetchStatus.IDLE, false);
    }

    /** Latest successful data, kept through later failures; null when there is none. */
    public @Nullable T data() {
        return data;
    }

    /** When {@link #data()} was fetched or set; null when there is no data. */
    public @Nullable Instant dataUpdatedAt() {
        return data == null ? null : Instant.ofEpochMilli(dataUpdatedAtMillis());
    }

    /** Error of the last failed fetch, cleared by the next success; null when none. */
    public @Nullable Throwable error() {
        return failure == null ? null : failure.error();
    }

    /** When {@link #error()} happened; null when none. */
    public @Nullable Instant errorUpdatedAt() {
        return failure == null || failure.errorUpdatedAt() == NONE ? null
                : Instant.ofEpochMilli(failure.errorUpdatedAt());
    }

    /** Failed attempts of the current or last fetch, reset by a success. */
    public int failureCount() {
        return failure == null ? 0 : failure.failureCount();
    }

    /** Last failed attempt's error, reset by a success; null when none. */
    public @Nullable Throwable failureReason() {
        return failure == null ? null : failure.failureReason();
    }

    /** What the query knows about its data. */
    public QueryStatus status() {
        return STATUSES[(int) (stamp >>> STATUS_SHIFT) & 3];
    }

    /** Whether its function is running. */
    public FetchStatus fetchStatus() {
        return FETCH_STATUSES[(int) (stamp >>> FETCH_STATUS_SHIFT) & 3];
    }

    /** Whether the data was invalidated; invalidated data is stale for every caller. */
    public boolean invalidated() {
        return (stamp & INVALIDATED) != 0;
    }

    /** Whether there is data (of any age). */
    public boolean hasData() {
        return data != null;
    }

    /** Whether the query's function is running (retries included). */
    public boolean isFetching() {
        return fetchStatus() == FetchStatus.FETCHING;
    }

    /** Whether there is no data yet and a first fetch is due or running. */
    public boolean isPending() {
        return status() == QueryStatus.PENDING;
    }

    /** Whether the last fetch failed after its retries. */
    public boolean isError() {
        return status() == QueryStatus.ERROR;
    }

    /** Whether data is present and the last fetch (if any) succeeded. */
    public boolean isSuccess() {
        return status() == QueryStatus.SUCCESS;
    }

    /**
     * Whether a caller with {@code staleTime} must treat the data as stale at {@code now}: there is no data, it
     * was invalidated, or it is at least {@code staleTime} old ({@code staleTime} 0 makes any data stale).
     */
    public boolean isStale(Instant now, Duration staleTime) {
        return isStaleAt(now.toEpochMilli(), Durations.toMillisSaturated(staleTime));
    }

    boolean isStaleAt(long nowMillis, long staleMillis) {
        return data == null || invalidated()
                || Durations.addSaturated(dataUpdatedAtMillis(), staleMillis) <= nowMillis;
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
        return data == null ? NONE : (stamp << (Long.SIZE - TIME_BITS)) >> (Long.SIZE - TIME_BITS);
    }

    QueryState<T> fetching(boolean resetFailures) {
        Failure kept = failure == null || !resetFailures ? failure
                : failure(failure.error(), failure.errorUpdatedAt(), 0, null);
        return new QueryState<>(data, dataUpdatedAtMillis(), kept, data == null ? QueryStatus.PENDING : status(),
                FetchStatus.FETCHING, invalidated());
    }

    QueryState<T> failedAttempt(int failures, Throwable reason) {
        return new QueryState<>(data, dataUpdatedAtMillis(), failure(error(), errorMillis(), failures, reason),
                status(), fetchStatus(), invalidated());
    }

    QueryState<T> failed(Throwable cause, long atMillis) {
        return new QueryState<>(data, dataUpdatedAtMillis(), failure(cause, atMillis, failureCount(),
                failureReason()), QueryStatus.ERROR, FetchStatus.IDLE, invalidated());
    }

    QueryState<T> withInvalidated() {
        return invalidated() ? this
                : new QueryState<>(data, dataUpdatedAtMillis(), failure, status(), fetchStatus(), true);
    }

    QueryState<T> withFetchStatus(FetchStatus newStatus) {
        return new QueryState<>(data, dataUpdatedAtMillis(), failure, status(), newStatus, invalidated());
    }

    /** Back to idle fetching after a cancelled fetch: status as before it, unless data arrived meanwhile. */
    QueryState<T> cancelled(QueryStatus statusBefore) {
        QueryStatus status = status();
        QueryStatus restored = data != null ? (status == QueryStatus.PENDING ? QueryStatus.SUCCESS : status)
                : statusBefore;
        return new QueryState<>(data, dataUpdatedAtMillis(), failure, restored, FetchStatus.IDLE, invalidated());
    }

    private long errorMillis() {
        return failure == null ? NONE : failure.errorUpdatedAt();
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other == this || (other instanceof QueryState<?> that && stamp == that.stamp
                && Objects.equals(data, that.data) && Objects.equals(failure, that.failure));
    }

    @Override
    public int hashCode() {
        return Objects.hash(data, stamp, failure);
    }

    @Override
    public String toString() {
        return "QueryState[status=" + status() + ", fetchStatus=" + fetchStatus() + ", data=" + data
                + ", dataUpdatedAt=" + dataUpdatedAt() + ", error=" + error() + ", failureCount=" + failureCount()
                + ", invalidated=" + invalidated() + "]";
    }
}
