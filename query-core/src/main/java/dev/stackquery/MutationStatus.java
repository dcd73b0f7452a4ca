package dev.stackquery;

/** Where a mutation stands. */
public enum MutationStatus {
    /** Not run yet, or reset. */
    IDLE,
    /** Running: {@code onMutate}, the function and its retries. */
    PENDING,
    /** The last run succeeded. */
    SUCCESS,
    /** The last run failed after its retries. */
    ERROR
}
