package dev.stackquery.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 * {@code redis-server} process on a free 127.0.0.1 port that this extension starts and stops. Without either, the
 * tests are skipped with a reason that says so ({@code .ci/run} installs {@code redis-server}, so CI never skips).
 * A process-backed server can be stopped and started again on the same port, to test Redis going away.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

    private GenericContainer<?> container;
    private Process process;
    private Path workDir;
    private int port;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (dockerAvailable()) {
            container = new GenericContainer<>("redis:7").withExposedPorts(6379);
            container.start();
            port = container.getMappedPort(6379);
            return;
        }
        String binary = findRedisServer();
        Assumptions.assumeTrue(binary != null, "SKIPPED: no Docker engine and no redis-server on PATH; install"
                + " redis-server (apt-get install redis-server) to run the Redis tests");
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        workDir = Files.createTempDirectory("stackquery-redis");
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (container != null) {
            container.stop();
        }
        stop();
        if (workDir != null) {
            try (var files = Files.walk(workDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** Port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Whether this server can be stopped and restarted (a process, not a container). */
    public boolean restartable() {
        return container == null;
    }

    /** Starts the process (again) on the same port and waits until it answers PING. */
    public synchronized void start() throws IOException, InterruptedException {
        if (container != null || (process != null && process.isAlive())) {
            return;
        }
        process = new ProcessBuilder(findRedisServer(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", workDir.toString(), "--protected-mode", "yes")
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ping()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("redis-server did not start on port " + port + ": "
                        + Files.readString(workDir.resolve("redis.log")));
            }
            Thread.sleep(20);
        }
    }

    /** Kills the process (as a crash would) and waits until it is gone. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
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

    /** Sends one command (RESP, so arguments may hold any character) and returns the first reply line. */
    public String command(String... args) throws IOException {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                    .append("\r\n");
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    reply.append((char) c);
                }
            }
            return reply.toString();
        }
    }

    private boolean ping() {
        try {
            return "+PONG".equals(command("PING"));
        } catch (IOException notYet) {
            return false;
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDocker) {
            return false;
        }
    }

    private static String findRedisServer() {
        for (String dir : List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))) {
            File candidate = new File(dir, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        File system = new File("/usr/bin/redis-server");
        return system.canExecute() ? system.getPath() : null;
    }
}
