package dev.stackquery.spring.cache;

import dev.stackquery.QueryKey;

import org.springframework.cache.interceptor.SimpleKey;

/**
 * How a Spring cache key becomes a query key: {@code [cache name, key]}. A key of a type query keys take (text,
 * numbers, booleans, enums, UUIDs, lists, maps of those) is kept as it is, so {@code @Cacheable("products")} on
 * {@code product(long id)} caches {@code ["products", 42]}; {@link SimpleKey#EMPTY} (a method without parameters)
 * gives {@code [cache name]}'s only entry {@code [cache name, ""]}; other keys (a {@link SimpleKey} of several
 * parameters, a record) are turned into text with their {@code toString()}, as Spring's Redis cache does, which
 * must then be overridden (a class keeping {@code Object}'s is refused with its name, since two equal keys would
 * get different texts).
 */
final class CacheKeys {

    private CacheKeys() {
    }

    static QueryKey of(String cacheName, Object key) {
        if (SimpleKey.EMPTY.equals(key)) {
            return QueryKey.of(cacheName, "");
        }
        try {
            return QueryKey.of(cacheName, key);
        } catch (IllegalArgumentException unsupported) {
            return QueryKey.of(cacheName, text(cacheName, key));
        }
    }

    /** Whether a class overrides {@code toString()}, looked up once per class (keys come on every call). */
    private static final ClassValue<Boolean> OWN_TO_STRING = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("toString").getDeclaringClass() != Object.class;
            } catch (NoSuchMethodException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    };

    private static String text(String cacheName, Object key) {
        Class<?> type = key.getClass();
        if (!OWN_TO_STRING.get(type)) {
            throw new IllegalArgumentException("cache '" + cacheName + "' cannot use a key of " + type.getName()
                    + ": it is not a text, number, boolean, enum, UUID, list or map, and it keeps Object's"
                    + " toString(), so equal keys would not match; give @Cacheable a key expression, or"
                    + " override toString()");
        }
        return key.toString();
    }
}
