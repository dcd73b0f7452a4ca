package dev.stackquery.redis;

import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
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
 * <p>The connection is opened off the caller's thread (a connect may take seconds when Redis is down) and only for a
 * Lettuce connection factory of a standalone, Sentinel or cluster client; until it is open, or for other factories,
 * {@link #commands()} is null and reads go through the template. A failed connect is tried again 5 s later at the
 * earliest. Once open, Lettuce reconnects it by itself.
 */
final class DirectReader implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DirectReader.class.getName());
    private static final long RETRY_MILLIS = 5_000;

    private final @Nullable AbstractRedisClient client;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile @Nullable StatefulConnection<byte[], byte[]> connection;
    private volatile @Nullable RedisStringAsyncCommands<byte[], byte[]> commands;
    private volatile long nextAttempt;
    private volatile boolean closed;

    DirectReader(ReactiveRedisConnectionFactory factory) {
        this.client = factory instanceof LettuceConnectionFactory lettuce ? lettuce.getNativeClient() : null;
    }

    /** The connection's commands, or null (reads go through the template) while it is not open. */
    @Nullable RedisStringAsyncCommands<byte[], byte[]> commands() {
        RedisStringAsyncCommands<byte[], byte[]> open = commands;
        if (open == null && client != null && !closed && System.currentTimeMillis() >= nextAttempt
                && connecting.compareAndSet(false, true)) {
            CompletableFuture.runAsync(this::connect, command -> {
                Thread thread = new Thread(command, "stackquery-redis-connect");
                thread.setDaemon(true);
                thread.start();
            });
        }
        return open;
    }

    boolean isOpen() {
        return commands != null;
    }

    private void connect() {
        try {
            StatefulConnection<byte[], byte[]> opened;
            RedisStringAsyncCommands<byte[], byte[]> async;
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterConnection<byte[], byte[]> c = cluster.connect(ByteArrayCodec.INSTANCE);
                opened = c;
                async = c.async();
            } else if (client instanceof RedisClient standalone) {
                StatefulRedisConnection<byte[], byte[]> c = standalone.connect(ByteArrayCodec.INSTANCE);
                opened = c;
                async = c.async();
            } else {
                return;
            }
            synchronized (this) {
                if (closed) {
                    opened.closeAsync();
                    return;
                }
                connection = opened;
                commands = async;
            }
        } catch (RuntimeException e) {
            nextAttempt = System.currentTimeMillis() + RETRY_MILLIS;
            LOG.log(Level.DEBUG, () -> "the L2 read connection could not be opened; reads use the template", e);
        } finally {
            connecting.set(false);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        commands = null;
        StatefulConnection<byte[], byte[]> open = connection;
        connection = null;
        if (open != null) {
            open.closeAsync();
        }
    }
}
