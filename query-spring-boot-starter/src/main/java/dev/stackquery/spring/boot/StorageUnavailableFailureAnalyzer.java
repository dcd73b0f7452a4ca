package dev.stackquery.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a {@link StorageUnavailableException}: what was asked for, what is missing, how to fix it. */
final class StorageUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<StorageUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StorageUnavailableException cause) {
        String action = switch (cause.type()) {
            case REDIS -> "Add org.springframework.boot:spring-boot-starter-data-redis and dev.stackquery:query-redis"
                    + " to the application (with its default Lettuce client: Jedis has no reactive API) and point"
                    + " spring.data.redis.* at your Redis, or set"
                    + " stackquery.storage.type to auto (Redis when present), jdbc or none.";
            case JDBC -> "Give the application a DataSource (spring.datasource.url, e.g. jdbc:sqlite:data/cache.db,"
                    + " with its driver on the classpath), or set stackquery.storage.type to auto or none.";
            default -> "Set stackquery.storage.type to one of auto, none, memory, redis, jdbc.";
        };
        return new FailureAnalysis("StackQuery could not set up its L2 cache: " + cause.getMessage() + ".", action,
                cause);
    }
}
