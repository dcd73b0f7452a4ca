package dev.stackquery.redis;

import java.io.IOException;
import java.time.Duration;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for one test class: a {@code redis:7} container when a Docker engine answers, otherwise a
 * {@link RedisProcess} ({@code redis-server} on a free 127.0.0.1 port) that this extension starts and stops. Without
 * either, the tests are skipped with a reason that says so ({@code .ci/run} installs {@code redis-server}, so CI
 * never skips). A process-backed server can be stopped and started again, to test Redis going away.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

    private GenericContainer<?> container;
    private RedisProcess process;
    private int port;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (dockerAvailable()) {
            container = new GenericContainer<>("redis:7").withExposedPorts(6379);
            container.start();
            port = container.getMappedPort(6379);
            return;
        }
        process = RedisProcess.startIfAvailable();
        Assumptions.assumeTrue(process != null, "SKIPPED: no Docker engine and no redis-server on PATH; install"
                + " redis-server (apt-get install redis-server) to run the Redis tests");
        port = process.port();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (container != null) {
            container.stop();
        }
        if (process != null) {
            process.close();
        }
    }

    /** Port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Whether this server can be stopped and restarted (a process, not a container). */
    public boolean restartable() {
        return process != null;
    }

    /** Starts the server again after {@link #stop()}. */
    public void start() throws IOException, InterruptedException {
        if (process != null) {
            process.start();
        }
    }

    /** Kills the server, as a crash would. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.stop();
        }
    }

    /** Sends one command and returns the first reply line. */
    public String command(String... args) throws IOException {
        if (process != null) {
            return process.command(args);
        }
        org.testcontainers.containers.Container.ExecResult result;
        try {
            result = container.execInContainer(prepend("redis-cli", args));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running redis-cli", e);
        }
        String out = result.getStdout().trim();
        // redis-cli prints integers as "(integer) 1" only on a TTY; piped it prints the bare value.
        return out.matches("-?\\d+") ? ":" + out : out.equals("OK") ? "+OK" : out.equals("PONG") ? "+PONG"
                : "$" + out;
    }

    /** A new, started Lettuce connection factory on this server: one per simulated instance. */
    public LettuceConnectionFactory connectionFactory() {
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
                .commandTimeout(Duration.ofSeconds(2)).build();
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", port), client);
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDocker) {
            return false;
        }
    }
}
