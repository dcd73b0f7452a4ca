package dev.stackquery.redis;

/** Redis key and pattern helpers shared by the Redis parts. */
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
}
