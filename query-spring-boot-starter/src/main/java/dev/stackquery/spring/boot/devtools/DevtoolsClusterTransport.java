package dev.stackquery.spring.boot.devtools;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * How a {@link DevtoolsCluster} reaches the other instances: text messages published to, and received from, named
 * pub/sub channels. Kept apart so that the cluster (and the route using it) loads without Redis on the classpath.
 */
interface DevtoolsClusterTransport {

    /**
     * Starts delivering the messages of {@code channels} to {@code receiver} (channel, text), on any thread; the
     * receiver must not block. Returns once subscribed, or after a short wait while the transport keeps trying.
     */
    void start(List<String> channels, BiConsumer<String, String> receiver);

    /** Whether messages are delivered: false while the subscription could not be made (Redis away at startup). */
    boolean listening();

    /** When not {@link #listening()} (and started), tries once more to subscribe; then says whether it listens. */
    boolean retry();

    /** Sends {@code text} to {@code channel}; the future fails if it was not sent within {@code timeout}. */
    CompletableFuture<?> publish(String channel, String text, Duration timeout);

    /** Stops delivering and lets go of the subscription; waits briefly for it. */
    void stop();
}
