package dev.stackquery.spring.boot.devtools;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the devtools page's view of every instance, under
 * {@code stackquery.devtools.cluster}. Each setter checks its value, so a bad one fails startup with a binding error
 * that names the property.
 */
@ConfigurationProperties("stackquery.devtools.cluster")
public class DevtoolsClusterProperties {

    /** Longest instance id accepted: it travels in every message and names the instance's reply channel. */
    static final int MAX_INSTANCE_ID_LENGTH = 128;

    /**
     * Whether, with the Redis invalidation bus, the devtools page can show a key's state on every instance; each
     * instance answers on a channel named after the key prefix (the prefix followed by "devtools").
     */
    private boolean enabled = true;

    /** Longest time the page's question waits for the other instances' answers. */
    private Duration timeout = Duration.ofSeconds(1);

    /** How often an instance tells the others it is live; one not heard from for three intervals is forgotten. */
    private Duration announceInterval = Duration.ofSeconds(5);

    /** Name of this instance on the devtools page; unset means "application-name@host:server-port". */
    private @Nullable String instanceId;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "stackquery.devtools.cluster.timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException(
                    "stackquery.devtools.cluster.timeout must be positive and at most 30s, was " + timeout);
        }
        this.timeout = timeout;
    }

    public Duration getAnnounceInterval() {
        return announceInterval;
    }

    public void setAnnounceInterval(Duration announceInterval) {
        Objects.requireNonNull(announceInterval, "stackquery.devtools.cluster.announce-interval");
        if (announceInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException(
                    "stackquery.devtools.cluster.announce-interval must be at least 100ms, was " + announceInterval);
        }
        this.announceInterval = announceInterval;
    }

    public @Nullable String getInstanceId() {
        return instanceId;
    }

    public void setInstanceId(@Nullable String instanceId) {
        if (instanceId != null && (instanceId.isBlank() || instanceId.length() > MAX_INSTANCE_ID_LENGTH)) {
            throw new IllegalArgumentException("stackquery.devtools.cluster.instance-id must not be blank nor longer"
                    + " than " + MAX_INSTANCE_ID_LENGTH + " characters, was '" + instanceId + "'");
        }
        this.instanceId = instanceId;
    }
}
