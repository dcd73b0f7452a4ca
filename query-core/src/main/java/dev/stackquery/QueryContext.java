package dev.stackquery;

/**
 * What a query function knows about the attempt it runs in. One context per attempt; safe to use from any thread.
 */
public interface QueryContext {

    /** Key of the query being fetched. */
    QueryKey key();

    /** Number of this attempt: 1 for the first call, 2 for the first retry, and so on. */
    int attempt();

    /**
     * Whether this attempt was cancelled ({@code cancelQueries}, {@code removeQueries}, {@code close()}) or timed
     * out. A cancelled attempt's result is ignored.
     */
    boolean isCancelled();

    /**
     * Runs {@code action} once when this attempt is cancelled, or at once if it already is. Use it to abort a
     * request in flight. An action that throws is logged and does not affect others.
     */
    void onCancel(Runnable action);
}
