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
 * @param error failure of a failed run; null otherwise
 * @param failureCount failed attempts of the run
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
        @Nullable Instant submittedAt) {

    /** Checks the status. */
    public MutationState {
        Objects.requireNonNull(status, "status");
    }

    /** The state of a mutation that has not run. */
    public static <V, R> MutationState<V, R> idle() {
        return new MutationState<>(MutationStatus.IDLE, null, null, null, 0, null);
    }

    /** Whether a run is in progress. */
    public boolean isPending() {
        return status == MutationStatus.PENDING;
    }
}
