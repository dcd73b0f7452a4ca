package dev.stackquery;

/** Whether a query's function is running. */
public enum FetchStatus {
    /** No fetch runs. */
    IDLE,
    /** A fetch runs, including the waits between its retries. */
    FETCHING,
    /** A fetch is held back (reserved for future use, e.g. an offline source). */
    PAUSED
}
