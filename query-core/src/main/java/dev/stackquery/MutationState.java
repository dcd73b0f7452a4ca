package dev.stackquery;

import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An immutable picture of a {@link Mutation}'s latest run.
 *
 * @param status where the run stands
 * @param variables input of the run; null before the first
 * @param data result of a successful run; null otherwise
 * @param error failure of a failed run (after its retries); null otherwise, also while a retry is pending
 * @param failureCount failed attempts of the run so far (0 after a success, as in TanStack Query)
 * @param failureReason error of the latest failed attempt, also while a retry is pending; null after a success
 * @param submittedAt when the run started; null before the first
 * @param <V> type of the variables
 * @param <R> type of the result
 */
public record MutationState<V, R>(
        MutationStatus status,
        @Nullable V variables,
        @Nullable R data,
        @Nullable Throwable error,
        int failureCount,
        @Nullable Throwable failureReason,
        @Nullable Instant submittedAt) {

    /** Checks the status. */
    public MutationState {
        Objects.requireNonNull(status, "status");
    }

    /** A state without {@code failureReason} (the form before it existed): the reason is the error, if any. */
    public MutationState(MutationStatus status, @Nullable V variables, @Nullable R data, @Nullable Throwable error,
            int failureCount, @Nullable Instant submittedAt) {
        this(status, variables, data, error, failureCount, error, submittedAt);
    }

    /** The state of a mutation that has not run. */
    public static <V, R> MutationState<V, R> idle() {
        return new MutationState<>(MutationStatus.IDLE, null, null, null, 0, null, null);
    }

    /** Whether a run is in progress. */
    public boolean isPending() {
        return status == MutationStatus.PENDING;
    }
}
