package dev.stackquery.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The L2 read path's own Lettuce connection, used through Lettuce's asynchronous API: the read that every L1 miss
 * makes then costs one Redis round trip and a future, without Spring's reactive template, which measured about
 * twice a raw {@code GET}.
 *
 * <p>The connection is opened off the caller's thread (a connect may take seconds when Redis is down), from the
 * native client of a started Lettuce connection factory (standalone, Sentinel or cluster). {@link #open()} is
 * null, and reads go through the template, while there is no open connection: before the first connect, after a
 * failed one (tried again 5 s later at the earliest), while Lettuce reconnects a dropped one, and for other
 * factories. When the factory was restarted with a new client, the old connection is closed and a new one opened.
 *
 * <p>Concurrency: the fields are volatile; one background connect runs at a time ({@link #connecting}); opening and
 * closing are ordered by this object's monitor.
 */
final class DirectReader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DirectReader.class.getName());
    private static final long RETRY_MILLIS = 5_000;

    /**
     * An open read connection.
     *
     * @param standalone the connection when it is not a cluster one: reads are then dispatched as {@link LookupCommand}s
     * @param commands the connection's commands, for a cluster connection, which splits an {@code MGET} by slot
     */
    record Open(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
            @Nullable StatefulRedisConnection<byte[], byte[]> standalone,
            RedisStringAsyncCommands<byte[], byte[]> commands) {
    }

    private final @Nullable LettuceConnectionFactory factory;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile @Nullable Open open;
    private volatile long nextAttempt;
    private volatile boolean closed;

    DirectReader(ReactiveRedisConnectionFactory factory) {
        this.factory = factory instanceof LettuceConnectionFactory lettuce ? lettuce : null;
        this.nextAttempt = System.nanoTime();
    }

    /** The open connection, or null (reads go through the template) while there is none. */
    @Nullable Open open() {
        Open current = open;
        if (current != null && current.connection().isOpen()) {
            return current;
        }
        if (factory != null && !closed && System.nanoTime() - nextAttempt >= 0
                && connecting.compareAndSet(false, true)) {
            CompletableFuture.runAsync(this::connect, task -> {
                Thread thread = new Thread(task, "stackquery-redis-connect");
                thread.setDaemon(true);
                thread.start();
            });
        }
        return null;
    }

    boolean isOpen() {
        Open current = open;
        return current != null && current.connection().isOpen();
    }

    private void connect() {
        try {
            AbstractRedisClient client = nativeClient();
            Open current = open;
            if (client == null || (current != null && current.client() == client)) {
                // Not started yet, or the same connection being reconnected by Lettuce: look again in a while.
                nextAttempt = System.nanoTime() + RETRY_MILLIS * 1_000_000;
                return;
            }
            Open opened;
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterConnection<byte[], byte[]> c = cluster.connect(ByteArrayCodec.INSTANCE);
                opened = new Open(client, c, null, c.async());
            } else if (client instanceof RedisClient standalone) {
                StatefulRedisConnection<byte[], byte[]> c = standalone.connect(ByteArrayCodec.INSTANCE);
                noCommandTimer(c);
                opened = new Open(client, c, c, c.async());
            } else {
                return;
            }
            Open replaced;
            synchronized (this) {
                if (closed) {
                    opened.connection().closeAsync();
                    return;
                }
                replaced = open;
                open = opened;
            }
            if (replaced != null) {
                replaced.connection().closeAsync(); // its client was shut down with the factory's old state
            }
        } catch (RuntimeException e) {
            nextAttempt = System.nanoTime() + RETRY_MILLIS * 1_000_000;
            LOG.log(Level.DEBUG, () -> "the L2 read connection could not be opened; reads use the template", e);
        } finally {
            connecting.set(false);
        }
    }

    /**
     * Turns off Lettuce's timer per command on the connection, where the connection's own timeout applies (as with
     * Spring's and Boot's factories): the backend's {@link ReadTimer} bounds its reads with one timer for all.
     */
    private static void noCommandTimer(StatefulConnection<byte[], byte[]> connection) {
        TimeoutOptions options = connection.getOptions().getTimeoutOptions();
        if (options.isTimeoutCommands() && options.isApplyConnectionTimeout()) {
            connection.setTimeout(Duration.ZERO);
        }
    }

    private @Nullable AbstractRedisClient nativeClient() {
        try {
            return factory == null ? null : factory.getNativeClient();
        } catch (IllegalStateException notStarted) {
            nextAttempt = System.nanoTime() + RETRY_MILLIS * 1_000_000;
            return null;
        }
    }

    @Override
    public void close() {
        Open current;
        synchronized (this) {
            closed = true;
            current = open;
            open = null;
        }
        if (current != null) {
            current.connection().closeAsync();
        }
    }
}
