package dev.stackquery;

import java.util.concurrent.CompletionStage;

/**
 * Non-blocking code that produces a query's data, for clients that already return futures (reactive or async HTTP
 * clients). It is invoked on the client's executor and must return quickly; the stage it returns must not complete
 * with {@code null}.
 *
 * @param <T> type of the data
 */
@FunctionalInterface
public interface AsyncQueryFunction<T> {

    /**
     * Starts fetching the data.
     *
     * @param context the key, the attempt number and cancellation of this attempt
     * @return a stage that completes with the data, or exceptionally with the failure
     */
    CompletionStage<T> fetch(QueryContext context);
}
