package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.stackquery.spring.boot.ReadmeSnippets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/**
 * What a user copies from the README's Spring Boot section works as copied: the Java snippets compile with the
 * imports they show, the dependency snippets name modules that exist in the version this build makes, and the
 * {@code application.yml} snippet starts an application whose health stays UP while Redis is unreachable, as the
 * README promises (and turns DOWN without its last line, which is why the line is there).
 */
class ReadmeSnippetsTest {

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
        return m.find() ? m.group(1).trim() : "";
    }

    @Test
    void theJavaSnippetsCompileWithTheImportsTheyShow(@TempDir Path dir) {
        List<String> units = ReadmeSnippets.javaUnits();
        assertThat(units).as("complete compilation units in the Spring Boot section").hasSizeGreaterThanOrEqualTo(3);
        for (String unit : units) {
            assertThat(ReadmeSnippets.compile(unit, dir)).as("compiling the README snippet "
                    + ReadmeSnippets.typeName(unit)).isEmpty();
        }
    }

    @Test
    void theDependencySnippetsNameModulesOfThisBuildInItsVersion() throws IOException {
        String version = tag(Files.readString(Path.of("..", "pom.xml")).replaceFirst("(?s)<parent>.*?</parent>", ""),
                "version");
        String bom = Files.readString(Path.of("..", "stackquery-bom", "pom.xml"));
        Matcher managed = Pattern.compile("<version>([^<]+)</version>").matcher(bom);
        while (managed.find()) {
            assertThat(managed.group(1)).as("every version in the BOM is the build's").isEqualTo(version);
        }
        List<String> xml = ReadmeSnippets.blocks(ReadmeSnippets.springBootSection(), "xml");
        assertThat(xml).isNotEmpty();
        boolean bomImported = false;
        Matcher dependency = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL)
                .matcher(String.join("\n", xml));
        while (dependency.find()) {
            String d = dependency.group(1);
            if (!tag(d, "groupId").equals("dev.stackquery")) {
                continue;
            }
            String artifact = tag(d, "artifactId");
            assertThat(Path.of("..", artifact, "pom.xml")).as("a module named " + artifact).exists();
            if (artifact.equals("stackquery-bom")) {
                bomImported = tag(d, "scope").equals("import") && tag(d, "type").equals("pom");
                assertThat(tag(d, "version")).isEqualTo(version);
            } else {
                assertThat(tag(d, "version")).as(artifact + " takes its version from the BOM").isEmpty();
            }
        }
        assertThat(bomImported).as("the snippet imports the BOM").isTrue();
    }

    @Test
    void theApplicationYmlKeepsHealthUpWhileRedisIsUnreachable() throws Exception {
        List<String> yaml = ReadmeSnippets.blocks(ReadmeSnippets.springBootSection(), "yaml");
        assertThat(yaml).hasSize(1);
        Map<String, Object> readme = yamlProperties(yaml.get(0));
        assertThat(readme).containsEntry("management.health.redis.enabled", false);

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort(); // nothing listens there once the socket is closed
        }
        Map<String, Object> asWritten = new HashMap<>(readme);
        asWritten.put("spring.data.redis.host", "127.0.0.1");
        asWritten.put("spring.data.redis.port", closedPort);
        Http.Answer health = health(asWritten);
        assertThat(health.status()).as("the README's application.yml, Redis unreachable").isEqualTo(200);
        assertThat(health.json().at("/components/stackquery/status").asString()).isEqualTo("UP");
        assertThat(health.json().at("/components/stackquery/details/l2").asString())
                .as("the contributor's details say L2 is down").isEqualTo("DOWN");

        Map<String, Object> withoutTheLastLine = new HashMap<>(asWritten);
        withoutTheLastLine.remove("management.health.redis.enabled");
        assertThat(health(withoutTheLastLine).status()).as("Boot's redis indicator left on").isEqualTo(503);
    }

    /** {@code /actuator/health} of an application started with {@code properties} (details shown, to read them). */
    private static Http.Answer health(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("server.port", 0);
        all.put("management.endpoint.health.show-details", "always"); // shows details; changes no status
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApplication.class)
                .properties(all).run()) {
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            return new Http(port).get("/actuator/health");
        }
    }

    private static Map<String, Object> yamlProperties(String yaml) throws IOException {
        Map<String, Object> flat = new HashMap<>();
        for (PropertySource<?> source : new YamlPropertySourceLoader().load("README application.yml",
                new ByteArrayResource(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
            if (source.getSource() instanceof Map<?, ?> map) {
                map.forEach((k, v) -> {
                    Object value = v instanceof OriginTrackedValue tracked ? tracked.getValue() : v;
                    flat.put(String.valueOf(k), value instanceof CharSequence text ? text.toString() : value);
                });
            }
        }
        return flat;
    }
}
