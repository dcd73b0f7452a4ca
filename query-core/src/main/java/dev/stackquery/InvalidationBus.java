package dev.stackquery;

/**
 * Carries {@link InvalidationMessage}s between the instances that share an L2, so that an invalidation, removal,
 * reset or {@code setQueryData} on one reaches every other's L1.
 *
 * <p>Implementations must be thread-safe, must never block or throw from {@link #publish} (a message that cannot be
 * sent is dropped and counted), must call {@link Handler#onDisconnect()} as soon as they know their connection is lost,
 * and must call {@link Handler#onReconnect()} after they got it back, within about a second of the broker answering
 * again: messages may have been missed meanwhile, so the client then treats all its L1 data as stale. While
 * disconnected, the client treats L1 data older than its configured bound as stale.
 */
public interface InvalidationBus extends AutoCloseable {

    /** Receives messages from other instances; called on the bus's own threads. */
    interface Handler {

        /** A message from another instance (never one of this instance's own). */
        void onMessage(InvalidationMessage message);

        /** The bus was disconnected and is connected (and subscribed) again. */
        void onReconnect();

        /** The bus lost its connection: messages may be missed until {@link #onReconnect()}. */
        default void onDisconnect() {
        }
    }

    /** Sends {@code message} to the other instances, asynchronously. */
    void publish(InvalidationMessage message);

    /**
     * Starts delivering messages to {@code handler}; messages whose origin is {@code instanceId} are not delivered.
     *
     * @return the registration; undoing it stops the delivery
     */
    Subscription subscribe(String instanceId, Handler handler);

    /** Short name for health details and logs, e.g. {@code "redis"}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Whether the bus is connected now. */
    default boolean isConnected() {
        return true;
    }

    /** Releases connections; the client calls it from its own {@code close()}. */
    @Override
    void close();
}
