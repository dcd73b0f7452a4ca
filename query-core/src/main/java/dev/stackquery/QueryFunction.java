package dev.stackquery;

/**
 * Blocking code that produces a query's data. It runs on the client's executor (virtual threads when the JDK has
 * them), so it may block on I/O.
 *
 * <p>It must not return {@code null}: a null result fails the fetch with a message naming the key. It should stop
 * early when {@link QueryContext#isCancelled()} turns true; the running thread is also interrupted when the attempt
 * is cancelled or times out.
 *
 * @param <T> type of the data
 */
@FunctionalInterface
public interface QueryFunction<T> {

    /**
     * Fetches the data.
     *
     * @param context the key, the attempt number and cancellation of this attempt
     * @return the data, never null
     * @throws Exception any failure; the client retries it as the query's {@code retry} option says
     */
    T fetch(QueryContext context) throws Exception;
}
