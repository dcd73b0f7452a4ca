package dev.stackquery.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** A product catalogue in front of a slow, sometimes failing upstream, with StackQuery in between. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SampleApplication {

    public static void main(String[] args) throws IOException {
        Files.createDirectories(Path.of("data")); // SQLite creates the file, not its directory
        SpringApplication.run(SampleApplication.class, args);
    }
}
