package dev.stackquery.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.stackquery.InvalidationBus;
import dev.stackquery.InvalidationMessage;
import dev.stackquery.Subscription;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import io.lettuce.core.resource.ClientResources;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Carries invalidations between instances over a Redis pub/sub channel (default {@code stackquery:invalidations}).
 *
 * <p>Messages are small text lines ({@code SQI1\u0000origin\u0000action\u0000scope\u0000key}); an instance skips its
 * own by their origin. Publishing never blocks and never throws: a message that cannot be sent is dropped and
 * counted in {@link #droppedMessages()} (the others then see the change when their data goes stale). Lettuce
 * reconnects and resubscribes by itself; when a connection becomes active again after being lost, the bus calls
 * {@link Handler#onReconnect()} so that the client marks its L1 stale, because messages may have been missed.
 * Thread-safe.
 */
public final class RedisInvalidationBus implements InvalidationBus {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.redis.RedisInvalidationBus");
    private static final String FORMAT = "SQI1";
    private static final char SEPARATOR = '\u0000';

    private final ReactiveRedisConnectionFactory connectionFactory;
    private final ReactiveStringRedisTemplate redis;
    private final String channel;
    private final Duration publishTimeout;
    private final Duration subscribeTimeout;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean connectionLost = new AtomicBoolean();
    private volatile boolean connected = true;
    private @Nullable ReactiveRedisMessageListenerContainer container;

    private RedisInvalidationBus(Builder builder) {
        this.connectionFactory = builder.connectionFactory;
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.channel = builder.channel;
        this.publishTimeout = builder.publishTimeout;
        this.subscribeTimeout = builder.subscribeTimeout;
    }

    /** Starts a bus on the application's connection factory. */
    public static Builder builder(ReactiveRedisConnectionFactory connectionFactory) {
        return new Builder(Objects.requireNonNull(connectionFactory, "connectionFactory"));
    }

    @Override
    public void publish(InvalidationMessage message) {
        Objects.requireNonNull(message, "message");
        redis.convertAndSend(channel, encode(message)).timeout(publishTimeout).subscribe(
                receivers -> { },
                error -> {
                    dropped.incrementAndGet();
                    LOG.log(Level.DEBUG, () -> "invalidation message dropped: " + message, error);
                });
    }

    @Override
    public synchronized Subscription subscribe(String instanceId, Handler handler) {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(handler, "handler");
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        // The container connects when made: made lazily and retried, so that Redis may be down at start.
        Disposable messages = Mono.fromCallable(this::container)
                .flatMap(listening -> listening.receiveLater(ChannelTopic.of(channel)))
                .doOnNext(confirmed -> subscribed.complete(null))
                .flatMapMany(stream -> stream)
                // Whatever was missed while not subscribed is covered by onReconnect once Redis is back.
                .doOnError(error -> connectionLost.set(true))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(5)))
                .subscribe(received -> {
                    InvalidationMessage message = decode(received.getMessage());
                    if (message != null && !message.origin().equals(instanceId)) {
                        try {
                            handler.onMessage(message);
                        } catch (RuntimeException e) {
                            LOG.log(Level.WARNING, "invalidation handler failed on " + message, e);
                        }
                    }
                });
        // Pub/sub delivers only to subscribers already there: wait (briefly) until Redis confirmed, so that an
        // instance is listening by the time its client is built.
        try {
            subscribed.get(subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(Level.WARNING, "not yet subscribed to " + channel + " after " + subscribeTimeout
                    + "; messages from other instances are missed until Redis answers");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Disposable reconnects = watchConnections(handler);
        Disposable both = Disposables.composite(messages, reconnects);
        return both::dispose;
    }

    private synchronized ReactiveRedisMessageListenerContainer container() {
        if (container == null) {
            container = new ReactiveRedisMessageListenerContainer(connectionFactory);
        }
        return container;
    }

    /** Lettuce's connection events tell when a lost connection is back: then messages may have been missed. */
    private Disposable watchConnections(Handler handler) {
        if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
            return Disposables.disposed();
        }
        ClientResources resources = lettuce.getClientResources();
        if (resources == null) {
            // Resources the factory made itself are only reachable through its native client.
            AbstractRedisClient client = lettuce.getNativeClient();
            resources = client == null ? null : client.getResources();
        }
        if (resources == null) {
            LOG.log(Level.WARNING, "cannot watch Redis reconnects (no Lettuce client resources): after an outage,"
                    + " L1 data is not marked stale");
            return Disposables.disposed();
        }
        // Only a reconnect attempt means a connection was lost: a connection closed on purpose (a dedicated one the
        // template let go) is deactivated too, and a new one (the L2 read connection) activated, without any outage.
        return resources.eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionDeactivatedEvent) {
                connected = false;
            } else if (event instanceof ReconnectAttemptEvent) {
                connected = false;
                connectionLost.set(true);
            } else if (event instanceof ConnectionActivatedEvent) {
                connected = true;
                if (connectionLost.compareAndSet(true, false)) {
                    try {
                        handler.onReconnect();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "invalidation handler failed on reconnect", e);
                    }
                }
            }
        });
    }

    /** Messages that could not be published. */
    public long droppedMessages() {
        return dropped.get();
    }

    /** The pub/sub channel. */
    public String channel() {
        return channel;
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public synchronized void close() {
        if (container != null) {
            container.destroyLater().subscribe(ignored -> { }, error -> { });
            container = null;
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

    /** Builds a {@link RedisInvalidationBus}. Not thread-safe. */
    public static final class Builder {

        private final ReactiveRedisConnectionFactory connectionFactory;
        private String channel = "stackquery:invalidations";
        private Duration publishTimeout = Duration.ofMillis(250);
        private Duration subscribeTimeout = Duration.ofSeconds(2);

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

        /** The bus. */
        public RedisInvalidationBus build() {
            return new RedisInvalidationBus(this);
        }
    }
}
