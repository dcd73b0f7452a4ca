package dev.stackquery.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process on a free 127.0.0.1 port, without persistence, that can be killed and started
 * again on the same port. Used by the tests' {@link RedisServer} and by the benchmarks.
 */
public final class RedisProcess implements AutoCloseable {

    private final String binary;
    private final Path workDir;
    private final int port;
    private Process process;

    private RedisProcess(String binary) throws IOException {
        this.binary = binary;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
        }
        this.workDir = Files.createTempDirectory("stackquery-redis");
    }

    /** A started server, or null when there is no {@code redis-server} on this machine. */
    public static RedisProcess startIfAvailable() throws IOException, InterruptedException {
        String binary = findBinary();
        if (binary == null) {
            return null;
        }
        RedisProcess redis = new RedisProcess(binary);
        redis.start();
        return redis;
    }

    /** Port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Starts the process (again) and waits until it answers PING. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", workDir.toString())
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

    /** Kills the process, as a crash would, and waits until it is gone. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
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

    /** Stops the process and deletes its folder. */
    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        try (var files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private boolean ping() {
        try {
            return "+PONG".equals(command("PING"));
        } catch (IOException notYet) {
            return false;
        }
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        File system = new File("/usr/bin/redis-server");
        return system.canExecute() ? system.getPath() : null;
    }
}
