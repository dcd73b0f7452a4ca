package dev.stackquery.spring.boot.actuate;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.stackquery.QueryClient;
import dev.stackquery.StorageBackend;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of StackQuery: UP with the number of queries in L1 and the L2 in use; an L2 that does not answer a ping is
 * reported as {@code l2: DOWN} in the details, with the status the application chose for that case (UP by
 * default, so that a Redis hiccup does not take every instance out of its load balancer while L1 and the sources
 * keep serving).
 */
public final class StackQueryHealthIndicator implements HealthIndicator {

    private final QueryClient client;
    private final @Nullable StorageBackend storage;
    private final Status l2DownStatus;
    private final Duration pingTimeout;

    /** Health of {@code client}, whose L2 is {@code storage} (null: none). */
    public StackQueryHealthIndicator(QueryClient client, @Nullable StorageBackend storage, Status l2DownStatus,
            Duration pingTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.storage = storage;
        this.l2DownStatus = Objects.requireNonNull(l2DownStatus, "l2DownStatus");
        this.pingTimeout = Objects.requireNonNull(pingTimeout, "pingTimeout");
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up().withDetail("queries", client.size());
        if (storage == null) {
            return health.withDetail("storage", "none").build();
        }
        health.withDetail("storage", storage.name());
        String failure = ping(storage);
        if (failure == null) {
            return health.withDetail("l2", Status.UP.getCode()).build();
        }
        return health.status(l2DownStatus).withDetail("l2", Status.DOWN.getCode()).withDetail("l2Error", failure)
                .build();
    }

    /** Null when the L2 answered, otherwise why not. */
    private @Nullable String ping(StorageBackend backend) {
        try {
            Boolean answered = backend.ping().get(pingTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return Boolean.TRUE.equals(answered) ? null : backend.name() + " did not answer a ping";
        } catch (TimeoutException e) {
            return backend.name() + " did not answer a ping within " + pingTimeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            return backend.name() + " ping failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while pinging " + backend.name();
        } catch (RuntimeException e) {
            return backend.name() + " ping failed: " + e;
        }
    }
}
