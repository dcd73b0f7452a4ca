package dev.stackquery.redis;

import java.time.Duration;
import java.util.Objects;

/** Helpers shared by the Redis parts: key patterns and setting checks. */
final class RedisKeys {

    private RedisKeys() {
    }

    /** {@code text} with Redis glob characters escaped, so that a SCAN pattern matches it literally. */
    static String escapeGlob(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '^' || c == '-') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
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
