package dev.stackquery.redis;

import java.time.Duration;
import java.util.Objects;

/** Helpers shared by the Redis parts: setting checks. */
final class RedisKeys {

    private RedisKeys() {
    }

    /** {@code value} when positive; otherwise an exception naming the setting. */
    static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }
}
