package dev.stackquery.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metadata an IDE completes {@code stackquery.*} from, against the README's properties table: every property is
 * in both, and properties with a fixed set of values offer them.
 */
class ConfigurationMetadataTest {

    private static JsonNode metadata() throws IOException {
        try (InputStream in = ConfigurationMetadataTest.class.getClassLoader()
                .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata on the classpath").isNotNull();
            return JsonMapper.builder().build().readTree(in);
        }
    }

    private static TreeSet<String> readmeProperties() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### Properties");
        readme = readme.substring(start, readme.indexOf("\n### ", start + 1)); // not the meters' table
        Matcher row = Pattern.compile("(?m)^\\| `(stackquery\\.[a-z0-9.-]+)` \\|").matcher(readme);
        TreeSet<String> names = new TreeSet<>();
        while (row.find()) {
            names.add(row.group(1));
        }
        return names;
    }

    @Test
    void everyPropertyIsInTheReadmeTableAndEveryRowIsAProperty() throws IOException {
        TreeSet<String> declared = new TreeSet<>();
        for (JsonNode property : metadata().get("properties")) {
            String name = property.get("name").asString();
            if (name.startsWith("stackquery.")) { // Boot adds management.endpoint.queries.access itself
                declared.add(name);
            }
        }
        assertThat(readmeProperties()).isEqualTo(declared);
    }

    @Test
    void theL2DownStatusOffersTheStatusesHealthKnows() throws IOException {
        List<String> values = new ArrayList<>();
        for (JsonNode hint : metadata().get("hints")) {
            if (hint.get("name").asString().equals("stackquery.health.l2-down-status")) {
                hint.get("values").forEach(value -> values.add(value.get("value").asString()));
            }
        }
        assertThat(values).containsExactly("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN");
    }
}
