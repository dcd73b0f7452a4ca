package dev.stackquery.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged sample, processed ahead of time at build ({@code process-aot}), starts in AOT mode on the JVM
 * ({@code -Dspring.aot.enabled=true}: the generated bean definitions instead of the configuration classes) and serves
 * cached products, the queries endpoint and the devtools page. Runs in {@code mvn verify}'s integration-test phase,
 * on the jar the package phase made.
 */
class AotModeIT {

    @Test
    void theAotProcessedJarStartsInAotModeAndServes(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target", "sample-app.jar").toAbsolutePath();
        assertThat(jar).exists();
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("app.log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dspring.aot.enabled=true", "-jar", jar.toString(), "--server.address=127.0.0.1",
                "--server.port=" + port, "--stackquery.devtools.enabled=true");
        Process app = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            Http http = new Http(port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            Http.Answer health = null;
            while (System.nanoTime() < deadline && app.isAlive()) {
                try {
                    health = http.get("/actuator/health");
                    break;
                } catch (IllegalStateException notYet) {
                    Thread.sleep(200); // polling a starting process: nothing to latch on across JVMs
                }
            }
            String output = Files.readString(log);
            assertThat(health).as("the app answered; its log:\n" + output).isNotNull();
            assertThat(health.status()).isEqualTo(200);
            assertThat(output).as("started from the AOT-generated context").contains("Starting AOT-processed");
            Http.Answer first = http.get("/products/1");
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            assertThat(http.get("/products/1").body()).isEqualTo(first.body());
            assertThat(http.get("/actuator/queries").status()).isEqualTo(200);
            assertThat(http.get("/stackquery").status()).isEqualTo(200);
        } finally {
            app.destroy();
            if (!app.waitFor(10, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
    }
}
