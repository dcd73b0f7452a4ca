package dev.stackquery;

import org.jspecify.annotations.Nullable;

/**
 * Observes each call of a query function (each attempt: a source call), for instance to trace it, so that a trace
 * shows which cache miss called which upstream. Set with {@link QueryClient.Builder#sourceCallObserver}; the Spring
 * Boot starter sets one that makes each call a Micrometer Observation when the application has an
 * {@code ObservationRegistry}.
 *
 * <p>An observer must be quick and must not throw; what it throws is logged and ignored, never fails a fetch.
 */
public interface SourceCallObserver {

    /**
     * A fetch of {@code key} starts, on the thread of the caller that started it (before any L2 lookup); the result
     * (the caller's trace context, say) is handed to each of the fetch's calls. Default: nothing.
     */
    default @Nullable Object fetchStarting(QueryKey key) {
        return null;
    }

    /**
     * The function is about to be called for attempt {@code attempt} (1 for the first) of {@code key}, on the thread
     * that calls it.
     *
     * @param fetchContext what {@link #fetchStarting} returned for this fetch
     * @return told when the call returns and when the attempt ends
     */
    Call calling(QueryKey key, int attempt, @Nullable Object fetchContext);

    /** One call in progress. */
    interface Call {

        /**
         * The function returned (a blocking one its value, an asynchronous one its future), on the thread that called
         * it: the place to close what {@link #calling} opened on that thread. Default: nothing.
         */
        default void returned() {
        }

        /**
         * The attempt ended, on any thread: {@code error} is null on success, else the failure (a timeout or a
         * cancellation included). Called once.
         */
        void ended(@Nullable Throwable error);
    }
}
