package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.stackquery.redis.RedisProcess;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tools.jackson.databind.JsonNode;

/**
 * Three real sample JVMs in the {@code redis} profile against one {@code redis-server} this test starts on a free
 * loopback port: every instance reads a product and the dashboard (so both sit fresh in their L1s for an hour), one
 * instance changes the product's price, and every instance must serve the new price within a second, from the
 * product and from the dashboard's featured list, which is re-read from the upstream's products and so shows that
 * they live in Redis rather than in each JVM. Several rounds, each instance writing in turn. Propagation times go to
 * standard output; the children's output to {@code target/several-instances/instance-N/instance.log}.
 *
 * <p>Separate processes rather than three Spring contexts in this JVM, because that is what the {@code redis}
 * profile is for and what the README tells people to run: one L1, one upstream store client and one invalidation
 * subscriber per JVM, nothing shared but Redis.
 */
class SeveralInstancesOnOneRedisTest {

    private static final Path WORK = Path.of("target", "several-instances").toAbsolutePath();
    private static final long CONVERGENCE_MILLIS = 1000;
    private static final long STARTUP_SECONDS = 60;

    /** One child JVM: its port, process and log. */
    private record Instance(int number, int port, Process process, Path log) {

        Http http() {
            return new Http(port);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aWriteOnOneInstanceIsServedByTheOthersWithinOneSecond() throws Exception {
        RedisProcess redis = RedisProcess.startIfAvailable();
        Assumptions.assumeTrue(redis != null, "SKIPPED: no redis-server on PATH; install redis-server"
                + " (apt-get) to run the three-instance test");
        Files.createDirectories(WORK);
        List<Process> started = new ArrayList<>();
        // One poller per instance, so that each instance's time is its own, not the sum of the calls before it.
        ExecutorService pollers = Executors.newFixedThreadPool(3);
        try {
            int redisPort = redis.port();

            // All three start at once: on two cores that is what bounds the test's time.
            List<Instance> instances = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                Instance instance = startInstance(n, redisPort);
                started.add(instance.process());
                instances.add(instance);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
            for (Instance instance : instances) {
                awaitHealthy(instance, deadline);
            }

            System.out.println("Propagation of a PUT: ms from its answer until each instance serves the new price"
                    + " from /products/{id}, then from /dashboard's featured list (re-read from the upstream store)");
            int round = 0;
            for (long product : new long[] { 1, 4 }) {
                for (Instance writer : instances) {
                    round(++round, product, writer, instances, pollers);
                }
            }
        } finally {
            // The instances before Redis, so that they do not spend their shutdown reconnecting to it.
            pollers.shutdownNow();
            stop(started);
            redis.close();
        }
    }

    /**
     * Warms every L1 with the product and the featured list (products 1, 4, 7, 10), changes the product's price on
     * the writer, and waits until every instance serves it from both.
     */
    private static void round(int round, long product, Instance writer, List<Instance> instances,
            ExecutorService pollers) throws Exception {
        String path = "/products/" + product;
        for (Instance instance : instances) {
            for (String warm : List.of(path, "/dashboard")) {
                assertThat(instance.http().get(warm).status()).as("GET %s on instance %d (%s)", warm,
                        instance.number(), instance.log()).isEqualTo(200);
            }
        }
        BigDecimal price = new BigDecimal(round + ".25");
        long before = System.nanoTime();
        Http.Answer put = writer.http().put(path, "{\"name\":\"Round " + round + "\",\"price\":" + price + "}");
        long answered = System.nanoTime();
        assertThat(put.status()).as("PUT %s on instance %d: %s (%s)", path, writer.number(), put.body(),
                writer.log()).isEqualTo(200);

        long deadline = answered + TimeUnit.MILLISECONDS.toNanos(CONVERGENCE_MILLIS);
        List<Future<long[]>> polls = new ArrayList<>();
        for (Instance instance : instances) {
            polls.add(pollers.submit(() -> new long[] {
                firstSeen(() -> priceOf(instance.http().get(path).json()), price, answered, deadline),
                firstSeen(() -> featuredPrice(instance.http().get("/dashboard").json(), product), price, answered,
                        deadline) }));
        }
        StringBuilder figure = new StringBuilder(String.format("  round %d: product %d written on instance %d (PUT"
                + " took %.0f ms):", round, product, writer.number(), (answered - before) / 1e6));
        List<long[]> seen = new ArrayList<>();
        for (int i = 0; i < instances.size(); i++) {
            seen.add(polls.get(i).get(CONVERGENCE_MILLIS + 5000, TimeUnit.MILLISECONDS));
            figure.append(String.format(" instance %d %s / %s;", i + 1, millis(seen.get(i)[0]),
                    millis(seen.get(i)[1])));
        }
        System.out.println(figure);
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            assertThat(seen.get(i)[0]).as("instance %d serves the price %s written on instance %d within %d ms;"
                    + " it serves %s (%s)", instance.number(), price, writer.number(), CONVERGENCE_MILLIS,
                    instance.http().get(path).body(), instance.log()).isNotNegative();
            assertThat(seen.get(i)[1]).as("instance %d's featured list has the price %s written on instance %d"
                    + " within %d ms; it serves %s (%s)", instance.number(), price, writer.number(),
                    CONVERGENCE_MILLIS, instance.http().get("/dashboard").body(), instance.log()).isNotNegative();
        }
    }

    /** Nanoseconds from {@code since} until {@code read} gave the price, or -1 if it had not by the deadline. */
    private static long firstSeen(Supplier<BigDecimal> read, BigDecimal price, long since, long deadline)
            throws InterruptedException {
        do {
            BigDecimal now = read.get();
            if (now != null && now.compareTo(price) == 0) {
                return System.nanoTime() - since;
            }
            Thread.sleep(5); // two cores: leave the instances time to apply what they are told
        } while (System.nanoTime() < deadline);
        return -1;
    }

    private static String millis(long nanos) {
        return nanos < 0 ? "NOT within " + CONVERGENCE_MILLIS + " ms" : String.format("%.1f", nanos / 1e6);
    }

    private static BigDecimal priceOf(JsonNode product) {
        return product.path("price").isNumber() ? product.get("price").decimalValue() : null;
    }

    private static BigDecimal featuredPrice(JsonNode dashboard, long product) {
        for (JsonNode featured : dashboard.path("featured")) {
            if (featured.path("id").asLong() == product) {
                return priceOf(featured);
            }
        }
        return null;
    }

    private static Instance startInstance(int number, int redisPort) throws IOException {
        int port = freePort();
        // Each instance in a folder of its own: the sample creates ./data there, and its log lands beside it.
        Path dir = Files.createDirectories(WORK.resolve("instance-" + number));
        Path log = dir.resolve("instance.log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), SampleApplication.class.getName(),
                "--spring.profiles.active=redis", "--server.address=127.0.0.1", "--server.port=" + port,
                "--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redisPort,
                "--sample.upstream.latency=20ms", "--sample.upstream.failure-rate=0",
                // Fresh for an hour: only the write's invalidation, never staleness, can bring the new price.
                "--sample.product-stale-time=1h", "--stackquery.defaults.stale-time=1h");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new Instance(number, port, process, log);
    }

    private static void awaitHealthy(Instance instance, long deadline) throws InterruptedException {
        while (true) {
            if (!instance.process().isAlive()) {
                throw new AssertionError("instance " + instance.number() + " exited with "
                        + instance.process().exitValue() + "; see " + instance.log());
            }
            try {
                Http.Answer health = instance.http().get("/actuator/health");
                if (health.status() == 200 && "UP".equals(health.json().get("status").asString())) {
                    return;
                }
            } catch (IllegalStateException notListeningYet) {
                // Connection refused until Tomcat is up.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("instance " + instance.number() + " not UP within " + STARTUP_SECONDS
                        + " s; see " + instance.log());
            }
            Thread.sleep(200);
        }
    }

    /** Ends every process: politely first, so the instances close their clients, then by force after 10 s. */
    private static void stop(List<Process> processes) {
        processes.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (Process process : processes) {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
