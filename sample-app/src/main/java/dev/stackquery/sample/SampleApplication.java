package dev.stackquery.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.StringRedisTemplate;

import tools.jackson.databind.json.JsonMapper;

/** A product catalogue in front of a slow, sometimes failing upstream, with StackQuery in between. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

    public static void main(String[] args) throws IOException {
        Files.createDirectories(Path.of("data")); // SQLite creates the file, not its directory
        SpringApplication.run(SampleApplication.class, args);
    }

    /** The upstream's products; Redis is asked for only when {@code sample.upstream.store=redis}. */
    @Bean
    ProductStore productStore(UpstreamProperties properties, ObjectProvider<StringRedisTemplate> redis,
            JsonMapper json) {
        return switch (properties.store()) {
            case MEMORY -> new ProductStore.InMemory();
            case REDIS -> new RedisProductStore(redis.getObject(), json);
        };
    }
}
