package dev.stackquery.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How bad the simulated upstream is, and where it keeps its products.
 *
 * @param latency time each call takes
 * @param failureRate share of calls that fail, 0 to 1
 * @param store where the products live: {@code memory} (this JVM, the default) or {@code redis} (shared by every
 *        instance; the {@code redis} profile sets it)
 */
@ConfigurationProperties("sample.upstream")
record UpstreamProperties(Duration latency, double failureRate, Store store) {

    /** Where the upstream keeps its products. */
    enum Store {
        MEMORY, REDIS
    }

    UpstreamProperties {
        if (latency == null) {
            latency = Duration.ofMillis(300);
        }
        if (latency.isNegative()) {
            throw new IllegalArgumentException("sample.upstream.latency must not be negative, was " + latency);
        }
        if (failureRate < 0 || failureRate > 1) {
            throw new IllegalArgumentException("sample.upstream.failure-rate must be between 0 and 1, was "
                    + failureRate);
        }
        if (store == null) {
            store = Store.MEMORY;
        }
    }
}
