package dev.stackquery.spring.cache;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryState;
import dev.stackquery.TypeRef;

import org.jspecify.annotations.Nullable;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * One Spring {@link org.springframework.cache.Cache} over a {@link QueryClient}: the entries of cache {@code name} are
 * the queries under the key {@code [name]} (see {@link CacheKeys}), so they share the client's L1, its L2, its
 * cross-instance invalidation, its meters and the actuator's view.
 *
 * <ul>
 *   <li>{@link #get(Object, Callable)} ({@code @Cacheable(sync = true)}) and {@link #retrieve(Object, Supplier)}
 *       ({@code @Cacheable} on methods returning {@code CompletableFuture} or {@code Mono}) are {@code fetchQuery}:
 *       one call of the method per key however many callers (single flight), and once an entry is older than the
 *       cache's {@code staleTime}, the stale value at once while one background call refreshes it. An evicted entry
 *       is never served: callers wait for the method.</li>
 *   <li>{@link #get(Object)} ({@code @Cacheable} without {@code sync}) has no method to call: a missing, evicted or
 *       stale entry is a miss, and Spring calls the method and {@link #put}s its result.</li>
 *   <li>{@link #put} is {@code setQueryData} (L1, L2, other instances); {@link #evict} invalidates the entry (in L1,
 *       in L2, on every instance); {@link #clear} invalidates every entry of the cache.</li>
 * </ul>
 *
 * <p>L2 needs to know what it reads back: a cache resolved for an annotated method (see
 * {@link StackQueryCacheResolver}) is typed by the method's generic return type, so {@code List<Product>} comes
 * back from Redis as such; an untyped cache (from {@code cacheManager.getCache(name)}) writes to L2 and reads it
 * back only for keys this instance cached already, never letting a payload choose its class. {@code null} results
 * are cached (as Spring's {@code NullValue}) when the manager allows it, in L1 only. Thread-safe.
 */
public final class StackQueryCache extends AbstractValueAdaptingCache {

    private final String name;
    private final QueryClient client;
    private final @Nullable TypeRef<Object> type;
    private final @Nullable Duration staleTime;
    /** How long a value serves without calling the method: {@code staleTime}, or until evicted. */
    private final Duration freshFor;
    private final int retry;

    StackQueryCache(String name, QueryClient client, @Nullable TypeRef<Object> type, @Nullable Duration staleTime,
            int retry, boolean allowNullValues) {
        super(allowNullValues);
        this.name = Objects.requireNonNull(name, "name");
        this.client = Objects.requireNonNull(client, "client");
        this.type = type;
        this.staleTime = staleTime;
        this.freshFor = staleTime != null ? staleTime : ChronoUnit.FOREVER.getDuration();
        this.retry = retry;
    }

    @Override
    public String getName() {
        return name;
    }

    /** The client. */
    @Override
    public QueryClient getNativeCache() {
        return client;
    }

    /** The type L2 reads this cache's values as, if known. */
    public Optional<TypeRef<Object>> type() {
        return Optional.ofNullable(type);
    }

    /** The query key of a cache key. */
    public QueryKey queryKey(Object key) {
        return CacheKeys.of(name, key);
    }

    @Override
    protected @Nullable Object lookup(Object key) {
        QueryKey queryKey = queryKey(key);
        Object data = fresh(queryKey);
        if (data != null || type == null || client.getQueryState(queryKey).isPresent()) {
            return data;
        }
        try {
            client.getQueryDataAsync(queryKey, type).get(); // bounded by the client's L2 timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            return null; // L2 failures are misses
        }
        return fresh(queryKey);
    }

    /**
     * The data that may be served without calling the method: present, not evicted, not stale for this cache (nor
     * past the client's bound while its invalidation bus is disconnected), judged and counted as a hit as
     * {@code fetchQuery} does; else null.
     */
    private @Nullable Object fresh(QueryKey queryKey) {
        return client.getFreshQueryData(queryKey, freshFor);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
        QueryOptions<Object> options = options(key, QueryOptions.builder(queryKey(key), ctx -> {
            Object loaded = valueLoader.call();
            return toStoreValue(loaded);
        }));
        try {
            return (T) fromStoreValue(fetch(options).join());
        } catch (CompletionException e) {
            throw new ValueRetrievalException(key, valueLoader, QueryFetchException.sourceFailure(e));
        }
    }

    @Override
    public CompletableFuture<?> retrieve(Object key) {
        QueryKey queryKey = queryKey(key);
        Optional<QueryState<Object>> state = client.getQueryState(queryKey);
        if (state.isPresent() || type == null) {
            return CompletableFuture.completedFuture(wrapped(fresh(queryKey)));
        }
        return client.getQueryDataAsync(queryKey, type).handle((found, error) -> wrapped(fresh(queryKey)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
        QueryOptions<Object> options = options(key, QueryOptions.<Object>async(queryKey(key),
                ctx -> valueLoader.get().thenApply(this::toStoreValue)));
        return fetch(options).handle((value, error) -> {
            if (error != null) {
                throw new CompletionException(QueryFetchException.sourceFailure(error));
            }
            return (T) fromStoreValue(value);
        });
    }

    private QueryOptions<Object> options(Object key, QueryOptions.Builder<Object> builder) {
        builder.retry(retry);
        if (type != null) {
            builder.type(type);
        }
        if (staleTime != null) {
            builder.staleTime(staleTime);
        }
        return builder.build();
    }

    /** Stale-while-revalidate, except for an evicted entry, whose callers wait for the method. */
    private CompletableFuture<Object> fetch(QueryOptions<Object> options) {
        boolean evicted = client.getQueryState(options.key()).map(QueryState::invalidated).orElse(false);
        return evicted ? client.fetchFreshQuery(options) : client.fetchQuery(options);
    }

    @Override
    public void put(Object key, @Nullable Object value) {
        client.setQueryData(queryKey(key), toStoreValue(value));
    }

    @Override
    public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
        Object stored = toStoreValue(value);
        Object[] present = new Object[1];
        client.setQueryData(queryKey(key), (Object current) -> {
            present[0] = current;
            return current != null ? null : stored; // null from the updater changes nothing
        });
        return present[0] == null ? null : toValueWrapper(present[0]);
    }

    @Override
    public void evict(Object key) {
        client.invalidateQueries(QueryFilter.exact(queryKey(key))).join();
    }

    @Override
    public boolean evictIfPresent(Object key) {
        QueryKey queryKey = queryKey(key);
        boolean present = client.getQueryState(queryKey).map(state -> state.hasData() && !state.invalidated())
                .orElse(false);
        client.invalidateQueries(QueryFilter.exact(queryKey)).join();
        return present;
    }

    @Override
    public void clear() {
        client.invalidateQueries(QueryFilter.prefix(name)).join();
    }

    @Override
    public boolean invalidate() {
        boolean any = !client.findAll(QueryFilter.prefix(name)).isEmpty();
        clear();
        return any;
    }

    private @Nullable ValueWrapper wrapped(@Nullable Object data) {
        return data == null ? null : toValueWrapper(data);
    }

    @Override
    public String toString() {
        return "StackQueryCache[" + name + (type == null ? "" : ", " + type) + "]";
    }
}
