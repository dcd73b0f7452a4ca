package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import dev.stackquery.InvalidationBus;
import dev.stackquery.InvalidationMessage;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

/** The bus against a real redis-server that goes away and comes back: what the handler is told, and when. */
class RedisInvalidationBusReconnectTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    /** What a handler was told, in order, with the time of the last onDisconnect and onReconnect. */
    static final class Recorder implements InvalidationBus.Handler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<InvalidationMessage> messages = new CopyOnWriteArrayList<>();
        final AtomicLong disconnectedAt = new AtomicLong();
        final AtomicLong reconnectedAt = new AtomicLong();

        @Override
        public void onMessage(InvalidationMessage message) {
            messages.add(message);
        }

        @Override
        public void onReconnect() {
            reconnectedAt.set(System.nanoTime());
            calls.add("reconnect");
        }

        @Override
        public void onDisconnect() {
            disconnectedAt.set(System.nanoTime());
            calls.add("disconnect");
        }

        long count(String call) {
            return calls.stream().filter(call::equals).count();
        }
    }

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final String channel = "test:reconnect:" + UUID.randomUUID();
    private final InvalidationMessage message = new InvalidationMessage("b", InvalidationMessage.Action.INVALIDATE,
            InvalidationMessage.Scope.EXACT, "[\"user\",7]");
    /** Sent by instance A to instance B. */
    private final InvalidationMessage fromA = new InvalidationMessage("a", InvalidationMessage.Action.INVALIDATE,
            InvalidationMessage.Scope.EXACT, "[\"user\",8]");

    @BeforeEach
    void redisIsUp() throws Exception {
        Assumptions.assumeTrue(REDIS.restartable(), "needs a redis-server process to stop and start");
        REDIS.start();
    }

    @AfterEach
    void closeAll() throws Exception {
        REDIS.start(); // for the next test, if this one left it stopped
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private LettuceConnectionFactory factory() {
        LettuceConnectionFactory factory = REDIS.connectionFactory();
        opened.add(factory::destroy);
        return factory;
    }

    private RedisInvalidationBus bus(LettuceConnectionFactory factory) {
        RedisInvalidationBus bus = RedisInvalidationBus.builder(factory).channel(channel).build();
        opened.add(bus::close);
        return bus;
    }

    private static long millisSince(long nanos, long since) {
        return Duration.ofNanos(nanos - since).toMillis();
    }

    /**
     * A first subscription slower than {@code subscribeTimeout} (here Redis holds every command for 1.5 s, longer than the 1 s a later link gets, as a cold JVM
     * on a busy machine is slow to connect) is waited for, not torn down and started over: one link, one reconnect.
     */
    @Test
    void aSlowFirstSubscriptionIsWaitedForNotStartedOver() throws Exception {
        RedisInvalidationBus bus = RedisInvalidationBus.builder(factory()).channel(channel)
                .subscribeTimeout(Duration.ofMillis(300)).build();
        opened.add(bus::close);
        Recorder handler = new Recorder();
        assertThat(REDIS.command("CLIENT", "PAUSE", "1500", "ALL")).contains("OK");
        long subscribing = System.nanoTime();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("not confirmed within subscribeTimeout").isFalse();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(bus::isConnected);
        System.out.println("first subscription confirmed " + millisSince(System.nanoTime(), subscribing)
                + " ms after subscribe()");
        assertThat(bus.linksStarted).as("the first link was kept").hasValue(1);
        assertThat(handler.calls).containsExactly("reconnect");
    }

    @Test
    void redisGoingAwayCallsOnDisconnectOnceAndIsConnectedTurnsFalse() throws Exception {
        RedisInvalidationBus bus = bus(factory());
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();

        long stopping = System.nanoTime();
        REDIS.stop();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                .until(() -> handler.count("disconnect") == 1);
        System.out.println("onDisconnect " + millisSince(handler.disconnectedAt.get(), stopping)
                + " ms after the kill of redis-server began");
        assertThat(bus.isConnected()).isFalse();
        // Lettuce's reconnect attempts and the bus's probes go on meanwhile: nothing more to tell.
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(2))
                .until(() -> handler.calls.equals(List.of("disconnect")) && !bus.isConnected());
    }

    @Test
    void redisBackAfterALongOutageIsNoticedWithinASecondAndTheBusDeliversAgain() throws Exception {
        LettuceConnectionFactory factory = factory();
        ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(factory);
        RedisInvalidationBus bus = bus(factory);
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();
        assertThat(template.opsForValue().set("before", "1").block(Duration.ofSeconds(2))).isTrue();

        REDIS.stop();
        await().atMost(Duration.ofSeconds(3)).until(() -> handler.count("disconnect") == 1);
        Thread.sleep(12_000); // long enough for Lettuce's reconnect back-off to grow to seconds
        REDIS.start();
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> handler.count("reconnect") == 1);
        Duration noticed = Duration.ofNanos(handler.reconnectedAt.get() - started);
        System.out.println("onReconnect " + noticed.toMillis() + " ms after redis-server was back (12 s outage)");
        assertThat(noticed).isLessThan(Duration.ofSeconds(2));
        assertThat(bus.isConnected()).isTrue();
        assertThat(handler.calls).containsExactly("disconnect", "reconnect");

        // Another instance publishes on the same channel: the renewed subscription delivers it.
        bus(factory()).publish(message);
        await().atMost(Duration.ofSeconds(2)).until(() -> handler.messages.contains(message));

        // Lettuce reconnects the factory's other connections after its back-off: the same outage, not a new one.
        await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(100)).until(() -> Boolean.TRUE.equals(
                template.opsForValue().set("after", "1").timeout(Duration.ofMillis(300)).onErrorReturn(false)
                        .block()));
        System.out.println("the factory's own connection answered again "
                + millisSince(System.nanoTime(), started) + " ms after redis-server was back");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> handler.calls.equals(List.of("disconnect", "reconnect")) && bus.isConnected());
    }

    @Test
    void nothingIsToldWhenNothingHappensOrConnectionsAreOpenedAndClosedOnPurpose() throws Exception {
        LettuceConnectionFactory factory = factory();
        RedisInvalidationBus bus = bus(factory);
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                .until(() -> handler.calls.isEmpty() && bus.isConnected());

        // The same client opens and closes other connections, as the L2 read connection, a template's dedicated
        // connection or another listener container do.
        RedisClient client = (RedisClient) factory.getNativeClient();
        for (int i = 0; i < 3; i++) {
            client.connect().close();
        }
        ReactiveRedisMessageListenerContainer container = new ReactiveRedisMessageListenerContainer(factory);
        container.receiveLater(ChannelTopic.of(channel + ":other")).block(Duration.ofSeconds(2));
        container.destroyLater().block(Duration.ofSeconds(2));
        assertThat(new ReactiveStringRedisTemplate(factory).opsForValue().set("k", "v").block(Duration.ofSeconds(2)))
                .isTrue();

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> handler.calls.isEmpty() && bus.isConnected());
        bus(factory()).publish(message);
        await().atMost(Duration.ofSeconds(2)).until(() -> handler.messages.contains(message));
        assertThat(handler.calls).isEmpty();
    }

    @Test
    void aSubscriptionConnectionKilledWhileRedisStaysUpIsOneOutage() throws Exception {
        RedisInvalidationBus bus = bus(factory());
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();

        killSubscriptionAndExpectOneOutage(bus, handler, "subscription connection killed");
    }

    @Test
    void withoutLettuceReconnectsAKilledSubscriptionIsNoticedByAMessageToItself() throws Exception {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", REDIS.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2))
                        .clientOptions(ClientOptions.builder().autoReconnect(false).build()).build());
        factory.afterPropertiesSet();
        factory.start();
        opened.add(factory::destroy);
        RedisInvalidationBus bus = bus(factory);
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();

        // No reconnect attempt follows: only the closed connection, and the bus's check of its own subscription.
        killSubscriptionAndExpectOneOutage(bus, handler, "subscription connection killed, no auto-reconnect");
    }

    /** Kills the pub/sub connections (Redis stays up): one disconnect, one reconnect, and messages arrive again. */
    private void killSubscriptionAndExpectOneOutage(RedisInvalidationBus bus, Recorder handler, String label)
            throws Exception {
        long killing = System.nanoTime();
        assertThat(REDIS.command("CLIENT", "KILL", "TYPE", "pubsub")).isNotEqualTo(":0");
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                .until(() -> handler.count("reconnect") == 1);
        System.out.println(label + ": onDisconnect after " + millisSince(handler.disconnectedAt.get(), killing)
                + " ms, onReconnect after " + millisSince(handler.reconnectedAt.get(), killing) + " ms");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> handler.calls.equals(List.of("disconnect", "reconnect")) && bus.isConnected());
        bus(factory()).publish(message);
        await().atMost(Duration.ofSeconds(2)).until(() -> handler.messages.contains(message));
    }

    @Test
    void publishingWhileDisconnectedNeverWaitsAndCountsEveryDrop() throws Exception {
        LettuceConnectionFactory factoryA = factory();
        RedisInvalidationBus a = bus(factoryA);
        RedisInvalidationBus b = bus(factory());
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        a.subscribe("a", onA);
        b.subscribe("b", onB);
        assertThat(a.isConnected() && b.isConnected()).as("subscribed").isTrue();
        // Every connection A may publish over is open before the outage, so that none is refused at once then.
        assertThat(new ReactiveStringRedisTemplate(factoryA).opsForValue().set("before", "1")
                .block(Duration.ofSeconds(2))).isTrue();
        a.publish(fromA);
        await().atMost(Duration.ofSeconds(2)).until(() -> onB.messages.contains(fromA));

        REDIS.stop();
        await().atMost(Duration.ofSeconds(3)).until(() -> onA.count("disconnect") == 1);
        long publishing = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            a.publish(fromA);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - publishing);
        System.out.println("100 messages published while disconnected in " + took.toNanos() / 1000 + " µs");
        assertThat(took).as("the caller never waits for Redis").isLessThan(Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(3)).until(() -> a.droppedMessages() == 100);
    }

    @Test
    void aMessagePublishedAsSoonAsBothInstancesAreBackAfterALongOutageIsDelivered() throws Exception {
        LettuceConnectionFactory factoryA = factory();
        ReactiveStringRedisTemplate templateA = new ReactiveStringRedisTemplate(factoryA);
        RedisInvalidationBus a = bus(factoryA);
        RedisInvalidationBus b = bus(factory());
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        a.subscribe("a", onA);
        b.subscribe("b", onB);
        assertThat(a.isConnected() && b.isConnected()).as("subscribed").isTrue();
        // The factory's shared connection is open before the outage, as in an application that used it.
        assertThat(templateA.opsForValue().set("before", "1").block(Duration.ofSeconds(2))).isTrue();
        a.publish(fromA);
        await().atMost(Duration.ofSeconds(2)).until(() -> onB.messages.contains(fromA));
        onB.messages.clear();

        REDIS.stop();
        await().atMost(Duration.ofSeconds(3))
                .until(() -> onA.count("disconnect") == 1 && onB.count("disconnect") == 1);
        Thread.sleep(12_000); // long enough for Lettuce's reconnect back-off to grow to seconds
        long droppedBefore = a.droppedMessages();
        REDIS.start();
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(() -> onA.count("reconnect") == 1 && onB.count("reconnect") == 1);
        long publishing = System.nanoTime();
        a.publish(fromA);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                .until(() -> onB.messages.contains(fromA) || a.droppedMessages() > droppedBefore);
        long received = System.nanoTime();
        System.out.println("after a 12 s outage: onReconnect on A " + millisSince(onA.reconnectedAt.get(), started)
                + " ms and on B " + millisSince(onB.reconnectedAt.get(), started) + " ms after redis-server was"
                + " back; A published at " + millisSince(publishing, started) + " ms, B "
                + (onB.messages.contains(fromA) ? "received it " + millisSince(received, publishing) + " ms later"
                        : "did not receive it: A dropped it"));
        assertThat(a.droppedMessages()).as("dropped by A").isEqualTo(droppedBefore);
        assertThat(onB.messages).containsExactly(fromA);
        assertThat(Duration.ofNanos(received - publishing)).isLessThan(Duration.ofSeconds(1));

        // What the bus no longer waits for: the factory's shared connection, after Lettuce's back-off.
        await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(100)).until(() -> Boolean.TRUE.equals(
                templateA.opsForValue().set("after", "1").timeout(Duration.ofMillis(300)).onErrorReturn(false)
                        .block()));
        System.out.println("A's factory's shared connection answered again "
                + millisSince(System.nanoTime(), started) + " ms after redis-server was back");
        assertThat(onA.calls).containsExactly("disconnect", "reconnect");
        assertThat(onB.calls).containsExactly("disconnect", "reconnect");
    }

    @Test
    void closeDuringAnOutageStopsTheProbe() throws Exception {
        RedisInvalidationBus bus = bus(factory());
        Recorder handler = new Recorder();
        bus.subscribe("a", handler);
        assertThat(bus.isConnected()).as("subscribed").isTrue();
        REDIS.stop();
        await().atMost(Duration.ofSeconds(3)).until(() -> handler.count("disconnect") == 1);
        await().atMost(Duration.ofSeconds(2)).until(() -> busThreads() == 1); // probing

        assertThatCode(bus::close).doesNotThrowAnyException();
        await().atMost(Duration.ofSeconds(1)).until(() -> busThreads() == 0);
        assertThatCode(() -> bus.publish(message)).doesNotThrowAnyException();
        REDIS.start();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> handler.calls.equals(List.of("disconnect")) && busThreads() == 0);
        assertThat(bus.isConnected()).isFalse();
        assertThatCode(bus::close).as("closing twice").doesNotThrowAnyException();
    }

    /** Live threads of this test's bus (named after its channel). */
    private long busThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().equals("stackquery-redis-bus " + channel))
                .count();
    }
}
