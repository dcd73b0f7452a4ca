package dev.stackquery.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.stackquery.FetchStatus;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.redis.RedisFetchLock;
import dev.stackquery.redis.RedisQuerySupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A write on one instance until another instance's {@code fetchQuery} returns it: two clients, each on its own
 * {@link LettuceConnectionFactory} set up by {@link RedisQuerySupport#configure} (L2, invalidation bus, fetch lock),
 * and one {@code redis-server} on 127.0.0.1 that the benchmark starts.
 *
 * <p>One operation: instance A changes the shared source (an in-memory counter both instances' query functions read)
 * and calls {@code invalidateQueries(exact(key))}; instance B, which holds the old value in L1 with a staleTime of one
 * hour, reads with {@code fetchQuery} every ~0.1 ms (a 20 µs park, longer in practice) until it returns the new value,
 * or gives up after {@link #LOST_AFTER} (a <em>lost</em> write: the operation then lasts at least that long, and the
 * suite counts such samples). {@code stackquery_writeSeen} starts each write once the previous one has settled (A's
 * invalidation done, B's refetch ended and its cluster fetch lock released; waited for outside the measured time, at
 * most 2 s): independent writes. {@code stackquery_writeSeenBackToBack} writes again as soon as B has seen the last
 * value, while B's refetch may still be writing L2 and holding the lock: a burst of writes to one key.
 *
 * <p>Measured in {@code SampleTime} mode: JMH times every operation as long as operations take at least 50 µs (it keeps
 * at most 20 samples per millisecond of an iteration), which a round trip through Redis always does, so the sample
 * count is the write count. The peer is the floor of any pub/sub invalidation: a raw Lettuce {@code PUBLISH} until a
 * subscriber on another connection has the message.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PropagationBenchmark {

    /** A write not visible on the other instance after this long is counted as lost. */
    public static final Duration LOST_AFTER = Duration.ofSeconds(1);
    /** How long the reading instance waits between two reads. */
    private static final long POLL_NANOS = 20_000;
    private static final QueryKey KEY = QueryKey.of("product", 1);
    /** {@link RedisFetchLock}'s default key for {@link #KEY}. */
    private static final String LOCK_KEY = "stackquery:lock:" + KEY.canonical();

    @State(Scope.Benchmark)
    public static class TwoInstances {
        RedisProcess server;
        LettuceConnectionFactory factoryA;
        LettuceConnectionFactory factoryB;
        QueryClient a;
        QueryClient b;
        /** The source of truth both instances read, as a shared database would be. */
        final AtomicLong source = new AtomicLong();
        QueryOptions<Long> optionsB;
        RedisClient probeClient;
        /** Reads B's fetch lock, to start a settled write only once it is free. */
        RedisCommands<String, String> probe;
        CompletableFuture<Void> lastInvalidation = CompletableFuture.completedFuture(null);
        long writes;
        long lost;

        @Setup(Level.Trial)
        public void start() throws Exception {
            server = LocalRedis.start("PropagationBenchmark");
            factoryA = LocalRedis.factory(server);
            factoryB = LocalRedis.factory(server);
            a = RedisQuerySupport.configure(QueryClient.builder().instanceId("a"), factoryA).build();
            b = RedisQuerySupport.configure(QueryClient.builder().instanceId("b"), factoryB).build();
            optionsB = QueryOptions.<Long>builder(KEY, ctx -> source.get()).type(Long.class)
                    .staleTime(Duration.ofHours(1)).build();
            probeClient = RedisClient.create("redis://127.0.0.1:" + server.port());
            probe = probeClient.connect().sync();
            // Both buses subscribe in the background: wait (bounded) until one write goes through.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!writeIsSeen(this, LOST_AFTER)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("no write reached instance b within 20 s");
                }
            }
            writes = 0;
            lost = 0;
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            // For the log; the suite counts lost writes from the samples (those of at least LOST_AFTER).
            System.out.printf("%nwrites %d, lost (not seen within %d ms) %d, warm-up included%n", writes,
                    LOST_AFTER.toMillis(), lost);
            a.close();
            b.close();
            probeClient.shutdown();
            factoryA.destroy();
            factoryB.destroy();
            server.close();
        }
    }

    /** Before each settled write: waits, at most 2 s, until the previous write has settled on both instances. */
    @State(Scope.Thread)
    public static class Settled {
        @Setup(Level.Invocation)
        public void settle(TwoInstances s) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() - deadline < 0 && !(s.lastInvalidation.isDone()
                    && s.b.getQueryState(KEY).map(state -> state.fetchStatus() == FetchStatus.IDLE).orElse(true)
                    && s.probe.exists(LOCK_KEY) == 0)) {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /** A raw Lettuce publisher and a subscriber on its own connection. */
    @State(Scope.Benchmark)
    public static class PubSub {
        RedisProcess server;
        RedisClient client;
        StatefulRedisConnection<String, String> publisher;
        StatefulRedisPubSubConnection<String, String> subscriber;
        volatile CompletableFuture<String> waiting = new CompletableFuture<>();

        @Setup(Level.Trial)
        public void start() throws Exception {
            server = LocalRedis.start("PropagationBenchmark");
            client = RedisClient.create("redis://127.0.0.1:" + server.port());
            publisher = client.connect();
            subscriber = client.connectPubSub();
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    waiting.complete(message);
                }
            });
            subscriber.sync().subscribe("bench");
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            subscriber.close();
            publisher.close();
            client.shutdown();
            server.close();
        }
    }


    /**
     * A writes a new value and invalidates; B reads until it sees it or {@code bound} has passed.
     *
     * @return whether B saw the new value in time
     */
    static boolean writeIsSeen(TwoInstances s, Duration bound) throws InterruptedException, ExecutionException {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        long value = s.source.incrementAndGet();
        s.writes++;
        s.lastInvalidation = s.a.invalidateQueries(QueryFilter.exact(KEY));
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                s.lost++;
                return false;
            }
            try {
                if (s.b.fetchQuery(s.optionsB).get(left, TimeUnit.NANOSECONDS) == value) {
                    return true;
                }
            } catch (TimeoutException late) {
                continue; // the deadline has passed: counted above
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public boolean stackquery_writeSeen(TwoInstances instances, Settled settled) throws Exception {
        return writeIsSeen(instances, LOST_AFTER);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public boolean stackquery_writeSeenBackToBack(TwoInstances instances) throws Exception {
        return writeIsSeen(instances, LOST_AFTER);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public String lettuce_publishUntilReceived(PubSub pubSub) throws Exception {
        CompletableFuture<String> received = new CompletableFuture<>();
        pubSub.waiting = received;
        pubSub.publisher.async().publish("bench", "x");
        return received.get(LOST_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }
}
