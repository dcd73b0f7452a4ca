package dev.stackquery;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link InvalidationBus} inside one JVM, for tests of several clients ("instances") without a broker. Messages
 * are delivered synchronously, on the publishing thread, to every subscriber but the sender.
 */
public final class InMemoryInvalidationBus implements InvalidationBus {

    private record Subscriber(String instanceId, Handler handler) {
    }

    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile boolean connected = true;

    @Override
    public void publish(InvalidationMessage message) {
        Objects.requireNonNull(message, "message");
        for (Subscriber subscriber : subscribers) {
            if (!subscriber.instanceId().equals(message.origin())) {
                subscriber.handler().onMessage(message);
            }
        }
    }

    @Override
    public Subscription subscribe(String instanceId, Handler handler) {
        Subscriber subscriber = new Subscriber(Objects.requireNonNull(instanceId, "instanceId"),
                Objects.requireNonNull(handler, "handler"));
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Tells every subscriber that the bus lost its connection, as a real bus does when its broker goes away. */
    public void simulateDisconnect() {
        connected = false;
        subscribers.forEach(subscriber -> subscriber.handler().onDisconnect());
    }

    /** Tells every subscriber that the bus reconnected, as a real bus does after losing its connection. */
    public void simulateReconnect() {
        connected = true;
        subscribers.forEach(subscriber -> subscriber.handler().onReconnect());
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public String name() {
        return "memory";
    }

    /** Does nothing: the bus may be shared by other clients. */
    @Override
    public void close() {
    }
}
