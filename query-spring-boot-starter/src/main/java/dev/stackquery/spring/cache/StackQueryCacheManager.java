package dev.stackquery.spring.cache;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.stackquery.QueryClient;
import dev.stackquery.TypeRef;

import org.jspecify.annotations.Nullable;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} whose caches are {@link StackQueryCache}s of one {@link QueryClient}, so that code
 * written for {@code @Cacheable} / {@code @CacheEvict} / {@code @CachePut} gets single flight, stale-while-revalidate,
 * the shared L2, cross-instance invalidation, meters and the actuator's view without being rewritten.
 *
 * <p>Caches are made on first use, unless a fixed set of names was given (then other names have no cache, and Spring
 * reports the name). {@link #getCache(String, Type)} gives a cache of a name typed for L2 reads; the
 * {@link StackQueryCacheResolver} asks for that one on behalf of each annotated method.
 */
public final class StackQueryCacheManager implements CacheManager {

    private final QueryClient client;
    private final @Nullable Duration staleTime;
    private final int retry;
    private final boolean allowNullValues;
    private final @Nullable Set<String> fixedNames;
    private final ConcurrentHashMap<String, StackQueryCache> untyped = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TypedName, StackQueryCache> typed = new ConcurrentHashMap<>();

    private record TypedName(String name, Type type) {
    }

    /**
     * A manager over {@code client}.
     *
     * @param staleTime how long a cached value counts as fresh; null: until evicted
     * @param retry retries of a failed method call made through {@code get(key, loader)} or {@code retrieve}
     * @param allowNullValues whether {@code null} results are cached
     * @param cacheNames the only caches there are; empty: any name makes a cache on first use
     */
    public StackQueryCacheManager(QueryClient client, @Nullable Duration staleTime, int retry,
            boolean allowNullValues, Collection<String> cacheNames) {
        this.client = Objects.requireNonNull(client, "client");
        if (staleTime != null && staleTime.isNegative()) {
            throw new IllegalArgumentException("staleTime must not be negative: " + staleTime);
        }
        if (retry < 0) {
            throw new IllegalArgumentException("retry must not be negative: " + retry);
        }
        this.staleTime = staleTime;
        this.retry = retry;
        this.allowNullValues = allowNullValues;
        this.fixedNames = cacheNames.isEmpty() ? null : Collections.unmodifiableSet(new LinkedHashSet<>(cacheNames));
    }

    @Override
    public @Nullable StackQueryCache getCache(String name) {
        if (fixedNames != null && !fixedNames.contains(name)) {
            return null;
        }
        return untyped.computeIfAbsent(name, n -> new StackQueryCache(n, client, null, staleTime, retry,
                allowNullValues));
    }

    /** The cache {@code name} whose L2 reads values as {@code type}; null for a name outside a fixed set. */
    public @Nullable StackQueryCache getCache(String name, Type type) {
        if (fixedNames != null && !fixedNames.contains(name)) {
            return null;
        }
        return typed.computeIfAbsent(new TypedName(name, type), n -> new StackQueryCache(n.name(), client,
                TypeRef.of(n.type()), staleTime, retry, allowNullValues));
    }

    @Override
    public Collection<String> getCacheNames() {
        if (fixedNames != null) {
            return fixedNames;
        }
        Set<String> names = new LinkedHashSet<>(untyped.keySet());
        typed.keySet().forEach(n -> names.add(n.name()));
        return Collections.unmodifiableSet(names);
    }

    /** The client behind every cache. */
    public QueryClient client() {
        return client;
    }
}
