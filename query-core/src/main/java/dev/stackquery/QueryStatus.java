package dev.stackquery;

/** What a query knows about its data. */
public enum QueryStatus {
    /** No data and no fetch yet (a query made by a filter or reset without initial data). */
    IDLE,
    /** No data yet; the first fetch is running or about to. */
    PENDING,
    /** The last fetch succeeded, or data was set; {@code data} is present. */
    SUCCESS,
    /** The last fetch failed after its retries; {@code data} may still hold an older value. */
    ERROR
}
