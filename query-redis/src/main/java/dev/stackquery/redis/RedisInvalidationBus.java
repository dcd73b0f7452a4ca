package dev.stackquery.redis;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.stackquery.InvalidationBus;
import dev.stackquery.InvalidationMessage;
import dev.stackquery.Subscription;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.lettuce.core.resource.ClientResources;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.ReactiveSubscription;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Carries invalidations between instances over a Redis pub/sub channel (default {@code stackquery:invalidations}).
 *
 * <p>Messages are small text lines ({@code SQI1\u0000origin\u0000action\u0000scope\u0000key}); an instance skips its
 * own by their origin. Publishing never blocks and never throws: a message that cannot be sent is dropped and
 * counted in {@link #droppedMessages()} (the others then see the change when their data goes stale).
 *
 * <p>A lost connection: the bus calls {@link Handler#onDisconnect()} as soon as it knows its subscription may miss
 * messages (Lettuce attempts to reconnect a connection of the factory's client, the subscription fails, or a message
 * the bus sends itself after a connection closed does not come back), and {@link #isConnected()} turns false. It then
 * does not wait for Lettuce's reconnect back-off, which grows to 30 s: every {@link Builder#reconnectProbeInterval
 * reconnect probe interval} it tries a new subscription on a new connection, and as soon as Redis confirms one it
 * calls {@link Handler#onReconnect()}, once per outage, so that the client marks its L1 stale (messages may have been
 * missed). Connections the application opens and closes on purpose are not an outage. A factory whose client
 * resources are shared with other factories reports their outages too, which only costs a needless stale marking.
 *
 * <p>Publishing goes over a connection of the bus's own, not the factory's shared one: Lettuce reconnects that only
 * after its back-off (seconds after a long outage), and a message published meanwhile would be dropped although the
 * bus, and the other instances, are back. The bus opens that connection with each new subscription, from the
 * factory's native Lettuce client, and closes it with it; it counts as connected, and calls
 * {@link Handler#onReconnect()}, only once both are up, so a message published from then on is sent at once. While
 * the bus is not connected, a message is dropped at once: there is no connection to wait for. The messages the bus
 * sends itself go over that connection too, so that they check it along with the subscription. A publish still
 * fails after the {@link Builder#publishTimeout publish timeout} if Redis is lost before the bus knows it. A factory
 * that is not a {@link LettuceConnectionFactory} has no native client: its bus publishes through the factory (while
 * connected). A bus nobody subscribed to has no subscription to go by: it publishes through the factory, as a
 * template would.
 * Thread-safe.
 */
public final class RedisInvalidationBus implements InvalidationBus {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.redis.RedisInvalidationBus");
    private static final String FORMAT = "SQI1";
    private static final char SEPARATOR = '\u0000';
    /** How long {@link #close()} waits for the bus thread to let go of the subscription. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    /** How long the first subscription may take before it is started over. */
    static final Duration FIRST_LINK_PATIENCE = Duration.ofSeconds(15);

    /** Sends of one message before it counts as dropped. */
    private static final int PUBLISH_TRIES = 3;
    private static final Duration RETRY_DELAY = Duration.ofMillis(100);

    private final ReactiveRedisConnectionFactory connectionFactory;
    private final ReactiveStringRedisTemplate redis;
    private final String channel;
    /** This bus's own channel, subscribed on the same connection: a message to it proves the subscription works. */
    private final String probeChannel;
    private final Duration publishTimeout;
    private final Duration subscribeTimeout;
    private final Duration probeInterval;
    private final Duration probeTimeout;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    /*
     * Thread-safety: the subscription's life (link, probe, echo, connectionEvents) is confined to one daemon thread,
     * the bus thread: Lettuce's event bus, Reactor's callbacks, subscribe(), close() and the timers hand it tasks and
     * never touch those fields, so no two transitions interleave and onDisconnect/onReconnect are called on it alone,
     * in order. What other threads read is safe on its own: listeners is copy-on-write (read on every message, on
     * Lettuce's threads, where onMessage is called), and connected with each Listener.owed changes under this
     * object's monitor, so that subscribe() tells atomically whether a new listener starts out disconnected.
     * publisher is the confirmed link's publishing connection, set on the bus thread before connected turns true and
     * cleared before that connection is closed; publish() reads it once, and a message sent over a connection closing
     * meanwhile fails and is counted dropped. A Link's own publishing connection is guarded by the Link: the thread
     * that opened it hands it over, or closes it if the bus let the link go meanwhile.
     */
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor busThread;
    private volatile @Nullable Thread busThreadNow;
    private volatile boolean connected;
    /** Subscriptions started, for tests: each is a new connection pair. */
    final AtomicInteger linksStarted = new AtomicInteger();
    /** Whether a link was ever confirmed; on the bus thread only. */
    private boolean everConfirmed;
    private volatile @Nullable Publisher publisher;
    /** Set when the factory's client cannot open a connection of the bus's own: it publishes through the factory. */
    private volatile boolean publisherUnsupported;

    private @Nullable Link link;
    private @Nullable ScheduledFuture<?> probe;
    private long outageStartedNanos;
    private @Nullable Echo echo;
    private long echoes;
    private @Nullable Disposable connectionEvents;

    private RedisInvalidationBus(Builder builder) {
        this.connectionFactory = builder.connectionFactory;
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.channel = builder.channel;
        this.probeChannel = channel + ":probe:" + UUID.randomUUID();
        this.publishTimeout = builder.publishTimeout;
        this.subscribeTimeout = builder.subscribeTimeout;
        this.probeInterval = builder.reconnectProbeInterval;
        this.probeTimeout = builder.probeTimeout;
        this.busThread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "stackquery-redis-bus " + channel);
            thread.setDaemon(true);
            busThreadNow = thread;
            return thread;
        });
        // No thread while all is well: it comes for a task and goes when idle (one is queued while probing).
        busThread.setKeepAliveTime(5, TimeUnit.SECONDS);
        busThread.allowCoreThreadTimeOut(true);
        busThread.setRemoveOnCancelPolicy(true);
        busThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Starts a bus on the application's connection factory. */
    public static Builder builder(ReactiveRedisConnectionFactory connectionFactory) {
        return new Builder(Objects.requireNonNull(connectionFactory, "connectionFactory"));
    }

    @Override
    public void publish(InvalidationMessage message) {
        Objects.requireNonNull(message, "message");
        publish(message, 1);
    }

    /**
     * Sends {@code message}; a send that fails is tried again ({@link #PUBLISH_TRIES} in all, {@link #RETRY_DELAY}
     * apart, over whatever connection is live then), since the other instances may still be listening. Without a link
     * of its own (this bus's connection was lost, perhaps Redis too), the message goes through the factory: if only
     * this bus's link broke, the others must still hear of it; if Redis is away, the sends time out and the message
     * is counted as dropped. Never waited for by the caller.
     */
    private void publish(InvalidationMessage message, int attempt) {
        if (closed.get()) {
            drop(message, null);
            return;
        }
        Publisher through = publisher;
        try {
            send(through, channel, encode(message), publishTimeout).whenComplete((receivers, error) -> {
                if (error == null) {
                    return;
                }
                if (attempt < PUBLISH_TRIES && !closed.get()) {
                    CompletableFuture.delayedExecutor(RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS)
                            .execute(() -> publish(message, attempt + 1));
                } else {
                    drop(message, error);
                }
            });
        } catch (RuntimeException e) {
            drop(message, e);
        }
    }

    /**
     * Whether the bus publishes over connections of its own (else through the factory): with a Lettuce factory whose
     * client can open one (a static master/replica client, made without a URI of its own, cannot).
     */
    private boolean ownsPublisher() {
        return connectionFactory instanceof LettuceConnectionFactory && !publisherUnsupported;
    }

    private boolean onCluster() {
        return connectionFactory instanceof LettuceConnectionFactory lettuce
                && lettuce.getNativeClient() instanceof RedisClusterClient;
    }

    /** Publishes over {@code through}, or through the factory if null; fails after {@code limit}. */
    private CompletableFuture<Long> send(@Nullable Publisher through, String to, String text, Duration limit) {
        if (through == null) {
            return redis.convertAndSend(to, text).timeout(limit).toFuture();
        }
        // Completing Lettuce's command on time-out is what its own command time-out does: a late reply is dropped.
        return through.commands().publish(to, text).toCompletableFuture().orTimeout(limit.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void drop(InvalidationMessage message, @Nullable Throwable error) {
        dropped.incrementAndGet();
        LOG.log(Level.DEBUG, () -> "invalidation message dropped: " + message, error);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits up to the {@link Builder#subscribeTimeout subscribe timeout} for Redis to confirm the subscription; if
     * it did not, {@link #isConnected()} is false when this returns and the handler gets {@link Handler#onReconnect()}
     * once it is subscribed.
     *
     * @throws IllegalStateException if the bus is closed
     */
    @Override
    public Subscription subscribe(String instanceId, Handler handler) {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(handler, "handler");
        if (closed.get()) {
            throw new IllegalStateException("the invalidation bus on " + channel + " is closed");
        }
        Listener listener = new Listener(instanceId, handler);
        listeners.add(listener);
        post(this::ensureLink);
        // Pub/sub delivers only to subscribers already there: wait (briefly) until Redis confirmed, so that an
        // instance is listening by the time its client is built. Not on the bus thread (from a handler), which is
        // the one to confirm.
        try {
            long wait = Thread.currentThread() == busThreadNow ? 0 : subscribeTimeout.toMillis();
            listener.subscribed.get(wait, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(Level.WARNING, "not yet subscribed to " + channel + " after " + subscribeTimeout + " (still"
                    + " trying: a first connection on a busy machine can take seconds); until Redis confirms, this"
                    + " instance may miss other instances' messages and trusts its L1 only briefly");
        } catch (ExecutionException closedMeanwhile) {
            // Nothing to wait for any more.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            // The caller sees isConnected() false, so it treats L1 as it would after onDisconnect: owed a reconnect.
            if (!connected) {
                listener.owed = true;
            }
        }
        return () -> {
            if (listeners.remove(listener)) {
                post(this::releaseIfUnused);
            }
        };
    }

    /** Messages that could not be published. */
    public long droppedMessages() {
        return dropped.get();
    }

    /** The pub/sub channel. */
    public String channel() {
        return channel;
    }

    /** Whether Redis confirmed the subscription and the bus has known of no loss since. */
    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public String name() {
        return "redis";
    }

    /**
     * Unsubscribes, closes the subscription's connection and stops the bus thread (the reconnect probe included);
     * waits for that at most about two seconds. Handlers are not called any more. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() == busThreadNow) { // a handler closed its client
            releaseAll(false);
            busThread.shutdown();
            return;
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            // Not guarded: the one task that runs once closed. Queued after the others, which then do nothing.
            busThread.submit(() -> releaseAll(true)).get(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
            busThread.shutdown(); // drops the probe and the timers
            if (busThread.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (ExecutionException | RejectedExecutionException e) {
            LOG.log(Level.WARNING, "failed to release the subscription to " + channel, e);
        } catch (TimeoutException e) {
            LOG.log(Level.WARNING, "the invalidation bus thread on " + channel + " did not stop within " + CLOSE_WAIT
                    + " (a handler still running?); interrupting it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        busThread.shutdownNow();
    }

    // ---- on the bus thread

    /** Subscribes for the listeners if no subscription is there or on its way. */
    private void ensureLink() {
        if (listeners.isEmpty()) {
            return;
        }
        if (connectionEvents == null) {
            connectionEvents = watchConnections();
        }
        Link current = link;
        if (current != null && current.confirmed) {
            listeners.forEach(listener -> listener.subscribed.complete(null));
        } else if (current == null && probe == null) {
            startLink();
        }
    }

    /**
     * A new subscription on a new connection, with a new connection to publish over. The container is handed a
     * connection the bus made, which the bus closes itself when it lets the link go: the container closes its
     * connection only after it unsubscribed, and not at all if unsubscribing fails, as it does while Redis is away.
     */
    private void startLink() {
        linksStarted.incrementAndGet();
        Link attempt = new Link();
        link = attempt;
        // The first subscription of a cold JVM (classes to load, Netty to start) on a busy machine may take seconds:
        // tearing it down only starts the same work over, so it gets FIRST_LINK_PATIENCE however long subscribe()
        // waits. Later links, made by a warm bus, take the probe's limit.
        Duration limit = probe != null ? probeTimeout
                : !everConfirmed ? max(max(subscribeTimeout, probeTimeout), FIRST_LINK_PATIENCE)
                : max(subscribeTimeout, probeTimeout);
        attempt.deadline = schedule(() -> {
            if (attempt == link && !attempt.confirmed) {
                linkFailed(attempt, "Redis did not confirm the subscription (or take the connection to publish over)"
                        + " within " + limit);
            }
        }, limit);
        try {
            ReactiveRedisConnection connection = connectionFactory.getReactiveConnection();
            attempt.connection = connection;
            ReactiveRedisMessageListenerContainer container = new ReactiveRedisMessageListenerContainer(
                    new GivenConnection(connection, connectionFactory));
            attempt.stream = container.receive(List.of(ChannelTopic.of(channel), ChannelTopic.of(probeChannel)),
                    attempt).subscribe(
                            message -> deliver(attempt, message),
                            error -> post(() -> linkFailed(attempt, "the subscription failed: " + error)),
                            () -> post(() -> linkFailed(attempt, "the subscription ended")));
            if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
                openPublisher(attempt, lettuce.getRequiredNativeClient());
            }
        } catch (RuntimeException e) {
            linkFailed(attempt, "cannot subscribe: " + e);
        }
    }

    /**
     * Opens {@code attempt}'s publishing connection. Lettuce connects to a client's own URI only blocking (the factory
     * does not tell the URI, which its asynchronous connect needs), so on Reactor's scheduler for blocking calls. The
     * link's deadline does not wait longer for it: a link without it by then fails, and a connection that comes after
     * the link was let go is closed at once.
     */
    private void openPublisher(Link attempt, AbstractRedisClient client) {
        Mono.fromCallable(() -> connect(client)).subscribeOn(Schedulers.boundedElastic()).subscribe(
                opened -> {
                    if (attempt.adopt(opened)) {
                        post(() -> linkConfirmed(attempt));
                    } else {
                        closePublisher(opened, false);
                    }
                },
                error -> post(() -> {
                    if (error instanceof RedisConnectionException) {
                        linkFailed(attempt, "cannot open a connection to publish: " + error);
                    } else {
                        // Not Redis being away: this client cannot connect by itself. Publish through the factory.
                        LOG.log(Level.WARNING, "the invalidation bus publishes through the connection factory: its"
                                + " client cannot open a connection of its own (" + error + ")");
                        publisherUnsupported = true;
                        linkConfirmed(attempt);
                    }
                }));
    }

    private static Publisher connect(AbstractRedisClient client) {
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<String, String> connection = cluster.connect(StringCodec.UTF8);
            return new Publisher(connection, connection.async());
        }
        if (client instanceof RedisClient standalone) {
            StatefulRedisConnection<String, String> connection = standalone.connect(StringCodec.UTF8);
            return new Publisher(connection, connection.async());
        }
        throw new IllegalStateException("unknown Lettuce client " + client.getClass().getName());
    }

    /** Redis confirmed both channels of {@code confirmed}, or its publishing connection opened: done if both are. */
    private void linkConfirmed(Link confirmed) {
        if (confirmed != link || confirmed.confirmed || !confirmed.subscribed()) {
            return;
        }
        Publisher through = confirmed.publisher();
        if (through == null && ownsPublisher()) {
            return;
        }
        confirmed.confirmed = true;
        everConfirmed = true;
        cancel(confirmed.deadline);
        if (probe != null) {
            cancel(probe);
            probe = null;
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartedNanos);
            LOG.log(Level.INFO, "subscribed to " + channel + " again, " + millis + " ms after the connection was"
                    + " lost; L1 data is marked stale as messages may have been missed");
        }
        publisher = through; // first, so that a message published once the bus is connected goes through it
        List<Listener> owed = markConnected(); // first, so that a subscribe() woken next finds the bus connected
        listeners.forEach(listener -> listener.subscribed.complete(null));
        owed.forEach(listener -> call(listener, Handler::onReconnect, "onReconnect"));
    }

    /** Lettuce reconnected the connection of {@code resubscribed} and subscribed again by itself. */
    private void linkResubscribed(Link resubscribed) {
        if (resubscribed != link || !resubscribed.confirmed) {
            return;
        }
        Publisher through = resubscribed.publisher();
        if (through != null && !through.connection().isOpen()) {
            // Lettuce reconnects that one at its own pace: a new link is faster.
            linkFailed(resubscribed, "the connection to publish over is lost");
            return;
        }
        // No other sign of the loss came first (or it did not reach this bus): it was an outage all the same.
        LOG.log(Level.INFO, "the connection subscribed to " + channel + " was lost and is back; L1 data is marked"
                + " stale as messages may have been missed");
        markDisconnected().forEach(listener -> call(listener, Handler::onDisconnect, "onDisconnect"));
        markConnected().forEach(listener -> call(listener, Handler::onReconnect, "onReconnect"));
    }

    private void linkFailed(Link failed, String why) {
        if (failed != link) {
            return;
        }
        release(failed, false);
        link = null;
        lost(why);
    }

    /**
     * The subscription may miss messages: tells the listeners (once per outage) and probes until a new subscription
     * is confirmed. The subscription in place is let go, so that Lettuce does not reconnect it at its own pace; one
     * on its way is left to succeed or fail.
     */
    private void lost(String why) {
        Link current = link;
        if (current != null && current.confirmed) {
            release(current, false);
            link = null;
        }
        cancelEcho();
        List<Listener> told = markDisconnected();
        if (listeners.isEmpty()) {
            return;
        }
        if (probe == null) {
            outageStartedNanos = System.nanoTime();
            LOG.log(Level.WARNING, "not subscribed to " + channel + " (" + why + "); messages from other instances"
                    + " are missed until Redis answers again, checked every " + probeInterval);
            try {
                probe = busThread.scheduleWithFixedDelay(guarded(this::probeOnce), 0, probeInterval.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closedMeanwhile) {
                return;
            }
        } else {
            LOG.log(Level.DEBUG, () -> "still not subscribed to " + channel + ": " + why);
        }
        told.forEach(listener -> call(listener, Handler::onDisconnect, "onDisconnect"));
    }

    /** One reconnect probe: a new subscription unless one is on its way (it fails within the probe timeout). */
    private void probeOnce() {
        if (link == null && !listeners.isEmpty()) {
            startLink();
        }
    }

    /**
     * Some connection of the factory's client closed: on purpose (nothing to do) or lost (then it is the
     * subscription's maybe). A message the bus sends to its own channel comes back through the subscription only if
     * that still works; one check at a time.
     */
    private void checkLink() {
        Link current = link;
        if (current == null || !current.confirmed || echo != null) {
            return;
        }
        Echo check = new Echo(current, Long.toString(++echoes));
        echo = check;
        check.deadline = schedule(() -> echoFailed(check, "it did not come back within " + probeTimeout),
                probeTimeout);
        try {
            send(current.publisher(), probeChannel, check.nonce, probeTimeout).whenComplete((receivers, error) -> {
                if (error != null) {
                    post(() -> echoFailed(check, "it could not be sent: " + error));
                } else if ((receivers == null || receivers == 0) && !onCluster()) {
                    // On a cluster PUBLISH counts only the receiving node's subscribers: there the deadline decides.
                    post(() -> echoFailed(check, "Redis has no subscriber for it"));
                }
            });
        } catch (RuntimeException e) {
            echoFailed(check, "it could not be sent: " + e);
        }
    }

    private void echoed(Link through, String nonce) {
        Echo check = echo;
        if (check != null && check.link == through && check.nonce.equals(nonce)) {
            cancelEcho();
        }
    }

    private void echoFailed(Echo check, String why) {
        if (check != echo) {
            return;
        }
        cancelEcho();
        linkFailed(check.link, "a message to itself failed: " + why);
    }

    private void cancelEcho() {
        Echo check = echo;
        if (check != null) {
            cancel(check.deadline);
            echo = null;
        }
    }

    /** The last listener left: nothing to subscribe for until the next one comes. */
    private void releaseIfUnused() {
        if (!listeners.isEmpty()) {
            return;
        }
        dropLink(false);
        synchronized (this) {
            connected = false;
        }
    }

    /** Stops the probe and the echo, and lets the link go; on the bus thread. */
    private void dropLink(boolean waitForRedis) {
        cancel(probe);
        probe = null;
        cancelEcho();
        Link current = link;
        if (current != null) {
            release(current, waitForRedis);
            link = null;
        }
    }

    private void releaseAll(boolean waitForRedis) {
        try {
            dropLink(waitForRedis);
            Disposable events = connectionEvents;
            if (events != null) {
                events.dispose();
            }
            listeners.forEach(listener -> listener.subscribed.completeExceptionally(
                    new IllegalStateException("the invalidation bus is closed")));
            listeners.clear();
            synchronized (this) {
                connected = false;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "failed to release the subscription to " + channel, e);
        }
    }

    /**
     * Unsubscribes and closes the link's connections: a lost one is not reconnected then, and one still connecting is
     * closed when it connects.
     */
    private void release(Link released, boolean waitForRedis) {
        cancel(released.deadline);
        released.stream.dispose();
        Publisher through = released.release();
        if (through != null) {
            if (publisher == through) {
                publisher = null; // before it closes, so that publish() drops at once
            }
            closePublisher(through, waitForRedis);
        }
        ReactiveRedisConnection connection = released.connection;
        released.connection = null;
        if (connection == null) {
            return;
        }
        if (waitForRedis) {
            try {
                connection.closeLater().timeout(probeTimeout).block();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "closing the subscription to " + channel + " failed", e);
            }
        } else {
            connection.closeLater().subscribe(ignored -> { },
                    error -> LOG.log(Level.DEBUG, () -> "closing the subscription to " + channel + " failed", error));
        }
    }

    /** Closes a publishing connection (on any thread); waits for that only when the bus closes. */
    private void closePublisher(Publisher through, boolean wait) {
        CompletableFuture<Void> closing = through.connection().closeAsync();
        if (wait) {
            try {
                closing.get(probeTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(Level.DEBUG, () -> "closing the connection publishing to " + channel + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lettuce's connection events tell (within milliseconds) when a connection of the factory's client is lost. */
    private Disposable watchConnections() {
        ClientResources resources = null;
        if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
            try {
                resources = lettuce.getClientResources();
                if (resources == null) {
                    // Resources the factory made itself are only reachable through its native client.
                    AbstractRedisClient client = lettuce.getNativeClient();
                    resources = client == null ? null : client.getResources();
                }
            } catch (IllegalStateException notStarted) {
                resources = null;
            }
        }
        if (resources == null) {
            LOG.log(Level.WARNING, "cannot watch Redis connections (no Lettuce client resources): a lost connection"
                    + " is noticed only when the subscription fails or is renewed");
            return Disposables.disposed();
        }
        // A first reconnect attempt means a connection was lost, the bus's or another to the same Redis: either way
        // the subscription is renewed, which costs little if it was fine. Later attempts are of connections already
        // counted (or lost before the bus came), which must not make a new outage after the bus got back. A
        // connection can also close on purpose (a dedicated one the template let go): the bus then checks its own.
        return resources.eventBus().get().subscribe(event -> {
            if (event instanceof ReconnectAttemptEvent attempt && attempt.getAttempt() == 1) {
                post(() -> lost("a connection to Redis was lost"));
            } else if (event instanceof ConnectionDeactivatedEvent) {
                post(this::checkLink);
            }
        });
    }

    /** Marks the bus connected; returns the listeners owed an onReconnect (told of an outage, or that it was one). */
    private synchronized List<Listener> markConnected() {
        connected = true;
        List<Listener> owed = new ArrayList<>();
        for (Listener listener : listeners) {
            if (listener.owed) {
                listener.owed = false;
                owed.add(listener);
            }
        }
        return owed;
    }

    /** Marks the bus disconnected; returns the listeners not told yet. */
    private synchronized List<Listener> markDisconnected() {
        connected = false;
        List<Listener> told = new ArrayList<>();
        for (Listener listener : listeners) {
            if (!listener.owed) {
                listener.owed = true;
                told.add(listener);
            }
        }
        return told;
    }

    private void call(Listener listener, Consumer<Handler> callback, String what) {
        try {
            callback.accept(listener.handler);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "invalidation handler failed on " + what, e);
        }
    }

    // ---- on any thread

    /** A message from {@code from}'s subscription, on a Lettuce thread. */
    private void deliver(Link from, ReactiveSubscription.Message<String, String> received) {
        if (probeChannel.equals(received.getChannel())) {
            String nonce = received.getMessage();
            post(() -> echoed(from, nonce));
            return;
        }
        InvalidationMessage message = decode(received.getMessage());
        if (message == null) {
            return;
        }
        for (Listener listener : listeners) {
            if (!message.origin().equals(listener.instanceId)) {
                try {
                    listener.handler.onMessage(message);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "invalidation handler failed on " + message, e);
                }
            }
        }
    }

    /** Runs {@code task} on the bus thread, unless the bus is closed. */
    private void post(Runnable task) {
        try {
            busThread.execute(guarded(task));
        } catch (RejectedExecutionException closedMeanwhile) {
            // close() let go of everything already.
        }
    }

    private @Nullable ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return busThread.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closedMeanwhile) {
            return null;
        }
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            if (closed.get()) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "invalidation bus task on " + channel + " failed", e);
            }
        };
    }

    private static void cancel(@Nullable ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    static String encode(InvalidationMessage message) {
        return FORMAT + SEPARATOR + message.origin() + SEPARATOR + message.action() + SEPARATOR + message.scope()
                + SEPARATOR + message.key();
    }

    static @Nullable InvalidationMessage decode(String text) {
        String[] parts = text.split(String.valueOf(SEPARATOR), 5);
        if (parts.length != 5 || !parts[0].equals(FORMAT)) {
            LOG.log(Level.WARNING, "ignored a message on the invalidation channel that is not StackQuery's");
            return null;
        }
        try {
            return new InvalidationMessage(parts[1], InvalidationMessage.Action.valueOf(parts[2]),
                    InvalidationMessage.Scope.valueOf(parts[3]), parts[4]);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "ignored a malformed invalidation message: " + e.getMessage());
            return null;
        }
    }

    /** A subscriber: its handler, and whether it was told of an outage that has not ended yet. */
    private static final class Listener {

        final String instanceId;
        final Handler handler;
        /** Completed once a subscription is confirmed while this listener is there. */
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        /** Guarded by the bus: told of an outage (or returned disconnected), so owed one onReconnect. */
        boolean owed;

        Listener(String instanceId, Handler handler) {
            this.instanceId = instanceId;
            this.handler = handler;
        }
    }

    /**
     * One subscription to the channel and the probe channel, on a connection of its own, and (on a Lettuce factory) a
     * connection to publish over, from the attempt until it is let go: never reused. Its fields are the bus thread's,
     * except the flags that Lettuce's threads set when Redis confirms a channel, and the publishing connection, which
     * the thread that opened it hands over (under the link's monitor, as the bus thread takes it when it lets go).
     */
    private final class Link implements SubscriptionListener {

        @Nullable ReactiveRedisConnection connection;
        Disposable stream = Disposables.disposed();
        @Nullable ScheduledFuture<?> deadline;
        boolean confirmed;
        private final AtomicBoolean channelSubscribed = new AtomicBoolean();
        private final AtomicBoolean probeChannelSubscribed = new AtomicBoolean();
        private final AtomicBoolean announced = new AtomicBoolean();
        private @Nullable Publisher publisher;
        private boolean released;

        /** Whether Redis confirmed both channels. */
        boolean subscribed() {
            return announced.get();
        }

        /** Takes the publishing connection just opened; false if the link was let go (the caller closes it). */
        synchronized boolean adopt(Publisher opened) {
            if (released) {
                return false;
            }
            publisher = opened;
            return true;
        }

        synchronized @Nullable Publisher publisher() {
            return publisher;
        }

        /** Lets go of the publishing connection, which the caller closes; one that comes later is not taken. */
        synchronized @Nullable Publisher release() {
            released = true;
            Publisher taken = publisher;
            publisher = null;
            return taken;
        }

        /** Redis confirmed a channel: the first time once both are, and again when Lettuce resubscribed. */
        @Override
        public void onChannelSubscribed(byte[] name, long count) {
            String subscribed = new String(name, StandardCharsets.UTF_8);
            if (subscribed.equals(channel)) {
                channelSubscribed.set(true);
            } else if (subscribed.equals(probeChannel) && !probeChannelSubscribed.compareAndSet(false, true)) {
                post(() -> linkResubscribed(this));
                return;
            }
            if (channelSubscribed.get() && probeChannelSubscribed.get() && announced.compareAndSet(false, true)) {
                post(() -> linkConfirmed(this));
            }
        }
    }

    /** Hands a container the connection the bus made for it (the container asks for one, once). */
    private record GivenConnection(ReactiveRedisConnection connection, ReactiveRedisConnectionFactory origin)
            implements ReactiveRedisConnectionFactory {

        @Override
        public ReactiveRedisConnection getReactiveConnection() {
            return connection;
        }

        @Override
        public ReactiveRedisClusterConnection getReactiveClusterConnection() {
            return origin.getReactiveClusterConnection();
        }

        @Override
        public @Nullable DataAccessException translateExceptionIfPossible(RuntimeException ex) {
            return origin.translateExceptionIfPossible(ex);
        }
    }

    /** A connection of the bus's own to publish over: one of a {@link Link}, opened and closed with it. */
    private record Publisher(StatefulConnection<String, String> connection,
            BaseRedisAsyncCommands<String, String> commands) {
    }

    /** A message the bus sent itself through {@code link}, to see that the subscription still works. */
    private static final class Echo {

        final Link link;
        final String nonce;
        @Nullable ScheduledFuture<?> deadline;

        Echo(Link link, String nonce) {
            this.link = link;
            this.nonce = nonce;
        }
    }

    /** Builds a {@link RedisInvalidationBus}. Not thread-safe. */
    public static final class Builder {

        private final ReactiveRedisConnectionFactory connectionFactory;
        private String channel = "stackquery:invalidations";
        private Duration publishTimeout = Duration.ofMillis(250);
        private Duration subscribeTimeout = Duration.ofSeconds(2);
        private Duration reconnectProbeInterval = Duration.ofMillis(500);
        private Duration probeTimeout = Duration.ofSeconds(1);

        private Builder(ReactiveRedisConnectionFactory connectionFactory) {
            this.connectionFactory = connectionFactory;
        }

        /** Pub/sub channel (default {@code stackquery:invalidations}); instances sharing a cache share it. */
        public Builder channel(String channel) {
            Objects.requireNonNull(channel, "channel");
            if (channel.isBlank()) {
                throw new IllegalArgumentException("channel must not be blank");
            }
            this.channel = channel;
            return this;
        }

        /** Time limit of a publish (default 250 ms). */
        public Builder publishTimeout(Duration publishTimeout) {
            this.publishTimeout = RedisKeys.requirePositive(publishTimeout, "publishTimeout");
            return this;
        }

        /** How long {@code subscribe} waits for Redis to confirm the subscription (default 2 s). */
        public Builder subscribeTimeout(Duration subscribeTimeout) {
            Objects.requireNonNull(subscribeTimeout, "subscribeTimeout");
            if (subscribeTimeout.isNegative()) {
                throw new IllegalArgumentException("subscribeTimeout must not be negative: " + subscribeTimeout);
            }
            this.subscribeTimeout = subscribeTimeout;
            return this;
        }

        /**
         * While the subscription is lost, how often the bus tries a new one (default 500 ms): Redis coming back is
         * noticed within about this interval, instead of after Lettuce's reconnect back-off (up to 30 s). Each try
         * opens a connection, which is refused at once while Redis is down.
         */
        public Builder reconnectProbeInterval(Duration reconnectProbeInterval) {
            this.reconnectProbeInterval = RedisKeys.requirePositive(reconnectProbeInterval, "reconnectProbeInterval");
            return this;
        }

        /**
         * How long one check of the subscription may take before it counts as failed (default 1 s): Redis confirming
         * a new subscription, or a message the bus sends itself coming back after a connection closed.
         */
        public Builder probeTimeout(Duration probeTimeout) {
            this.probeTimeout = RedisKeys.requirePositive(probeTimeout, "probeTimeout");
            return this;
        }

        /** The bus. */
        public RedisInvalidationBus build() {
            return new RedisInvalidationBus(this);
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
