package dev.stackquery.spring.boot.devtools;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The devtools channels over Spring Data Redis, on the application's connection factory: a
 * {@link RedisMessageListenerContainer} of its own (not a bean, so it never meets the application's containers)
 * subscribes on a dedicated connection, which Lettuce resubscribes after a reconnect; messages are published through
 * the reactive template, never blocking, each bounded by its time-out.
 *
 * <p>Messages are handed to the receiver on Lettuce's thread (the container's executor runs them in place): the
 * receiver only parses and hands work on. {@link #start} and {@link #stop} are called by the cluster's lifecycle,
 * one at a time.
 */
final class DevtoolsClusterRedisTransport implements DevtoolsClusterTransport {

    private static final Log LOG = LogFactory.getLog(DevtoolsClusterRedisTransport.class);
    /** Pause between subscription attempts while Redis does not answer. */
    private static final long RECOVERY_MILLIS = 1_000;

    private final RedisConnectionFactory subscribing;
    private final ReactiveStringRedisTemplate publishing;
    private @Nullable RedisMessageListenerContainer container;
    private List<String> channels = List.of();
    private @Nullable BiConsumer<String, String> receiver;
    private boolean warned;

    DevtoolsClusterRedisTransport(RedisConnectionFactory subscribing, ReactiveRedisConnectionFactory publishing) {
        this.subscribing = Objects.requireNonNull(subscribing, "subscribing");
        this.publishing = new ReactiveStringRedisTemplate(Objects.requireNonNull(publishing, "publishing"));
    }

    @Override
    public synchronized void start(List<String> channels, BiConsumer<String, String> receiver) {
        if (container != null) {
            return;
        }
        this.channels = List.copyOf(channels);
        this.receiver = receiver;
        subscribe();
    }

    private void subscribe() {
        BiConsumer<String, String> receiver = Objects.requireNonNull(this.receiver, "started");
        RedisMessageListenerContainer listening = new RedisMessageListenerContainer();
        listening.setBeanName("stackquery-devtools-cluster");
        listening.setConnectionFactory(subscribing);
        listening.setTaskExecutor(Runnable::run);
        listening.setRecoveryBackoff(new FixedBackOff(RECOVERY_MILLIS, FixedBackOff.UNLIMITED_ATTEMPTS));
        listening.setErrorHandler(error -> LOG.debug("devtools cluster message failed", error));
        List<ChannelTopic> topics = new ArrayList<>();
        channels.forEach(channel -> topics.add(ChannelTopic.of(channel)));
        listening.addMessageListener((message, pattern) -> receiver.accept(
                new String(message.getChannel(), StandardCharsets.UTF_8),
                new String(message.getBody(), StandardCharsets.UTF_8)), topics);
        listening.afterPropertiesSet();
        container = listening;
        try {
            listening.start();
        } catch (RuntimeException e) {
            // Redis away at startup. The container does not try again after a failed start (Spring Data Redis 4.0):
            // the cluster calls retry() every announce interval, and does not announce itself meanwhile.
            String message = "devtools cluster not yet subscribed to " + channels + " (" + e.getMessage() + "); until"
                    + " it is, other instances do not see this one on the devtools page";
            if (!warned) {
                warned = true;
                LOG.warn(message + "; it tries again every announce interval");
            } else {
                LOG.debug(message);
            }
        }
    }

    @Override
    public synchronized boolean listening() {
        RedisMessageListenerContainer listening = container;
        return listening != null && listening.isListening();
    }

    @Override
    public synchronized boolean retry() {
        RedisMessageListenerContainer failed = container;
        if (failed == null || failed.isListening()) {
            return failed != null;
        }
        close(failed);
        subscribe();
        if (listening()) {
            LOG.info("devtools cluster subscribed to " + channels);
            return true;
        }
        return false;
    }

    @Override
    public CompletableFuture<?> publish(String channel, String text, Duration timeout) {
        try {
            return publishing.convertAndSend(channel, text).timeout(timeout).toFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public synchronized void stop() {
        RedisMessageListenerContainer listening = container;
        container = null;
        if (listening != null) {
            close(listening);
        }
    }

    private static void close(RedisMessageListenerContainer listening) {
        try {
            listening.stop();
            listening.destroy();
        } catch (Exception e) {
            LOG.debug("devtools cluster subscription did not close cleanly", e);
        }
    }
}
