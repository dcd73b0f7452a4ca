package dev.stackquery.benchmarks;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

import org.openjdk.jol.info.GraphLayout;

/**
 * Benchmark 6 (memory): retained bytes per entry with 100 000 entries of one shared small value, measured by walking
 * each structure's object graph with JOL and subtracting the same structure empty. The key objects and the value
 * are the caller's and are excluded, so the figure is what each cache adds per entry. For StackQuery the walk
 * starts at the client's L1 (its executor and timer threads are not entries).
 */
final class MemoryFootprint {

    private static final String VALUE = "value";

    static {
        // JOL cannot read field offsets of records through Unsafe; without the attach flag it needs this fallback.
        if (System.getProperty("jol.magicFieldOffset") == null) {
            System.setProperty("jol.magicFieldOffset", "true");
        }
    }

    private MemoryFootprint() {
    }

    /** Bytes per entry by structure, in a stable order. */
    static Map<String, Double> measure(int entries) {
        QueryKey[] keys = Workload.keys(entries);
        Map<String, Double> perEntry = new LinkedHashMap<>();

        try (QueryClient empty = QueryClient.builder().executor(Runnable::run).build();
                QueryClient set = QueryClient.builder().maxQueries(entries * 2).executor(Runnable::run).build();
                QueryClient fetched = QueryClient.builder().maxQueries(entries * 2).executor(Runnable::run).build()) {
            for (QueryKey key : keys) {
                set.setQueryData(key, VALUE);
                fetched.fetchQuery(QueryOptions.<String>builder(key, ctx -> VALUE).staleTime(Duration.ofDays(1))
                        .build()).join();
            }
            long base = size(l1(empty), keys);
            perEntry.put("stackquery (setQueryData)", (size(l1(set), keys) - base) / (double) entries);
            perEntry.put("stackquery (fetchQuery)", (size(l1(fetched), keys) - base) / (double) entries);
        }
        // Keys of three parts in groups of ten ["g", n, i]: the shape the prefix index serves, which it costs.
        QueryKey[] grouped = new QueryKey[entries];
        for (int i = 0; i < entries; i++) {
            grouped[i] = QueryKey.of("g", i / 10, i % 10);
        }
        try (QueryClient empty = QueryClient.builder().executor(Runnable::run).build();
                QueryClient set = QueryClient.builder().maxQueries(entries * 2).executor(Runnable::run).build()) {
            for (QueryKey key : grouped) {
                set.setQueryData(key, VALUE);
            }
            perEntry.put("stackquery (setQueryData, keys [g, n, 0..9])",
                    (size(l1(set), grouped) - size(l1(empty), grouped)) / (double) entries);
        }

        Cache<QueryKey, String> caffeineEmpty = Caffeine.newBuilder().maximumSize(entries * 2L).build();
        Cache<QueryKey, String> caffeine = Caffeine.newBuilder().maximumSize(entries * 2L).build();
        for (QueryKey key : keys) {
            caffeine.put(key, VALUE);
        }
        caffeine.cleanUp();
        perEntry.put("caffeine (maximumSize)", (size(caffeine, keys) - size(caffeineEmpty, keys)) / (double) entries);

        ConcurrentHashMap<QueryKey, String> mapEmpty = new ConcurrentHashMap<>();
        ConcurrentHashMap<QueryKey, String> map = new ConcurrentHashMap<>();
        for (QueryKey key : keys) {
            map.put(key, VALUE);
        }
        perEntry.put("ConcurrentHashMap", (size(map, keys) - size(mapEmpty, keys)) / (double) entries);
        return perEntry;
    }

    /** Size of the graph of {@code root}, less the keys and the value, which the caller owns. */
    private static long size(Object root, QueryKey[] keys) {
        return GraphLayout.parseInstance(root, keys, VALUE).totalSize()
                - GraphLayout.parseInstance(keys, VALUE).totalSize();
    }

    /**
     * The client's L1 map, its prefix index (groups of keys of three parts or more) and the GC's heap of deadlines
     * (each inactive query has an entry), all per entry; reached by reflection: the engine keeps them private.
     */
    private static Object l1(QueryClient client) {
        try {
            Object queryCache = field(client, "cache");
            Object gc = field(client, "gc");
            return new Object[] { field(queryCache, "queries"), field(queryCache, "groups"), field(gc, "deadlines"),
                field(gc, "queries") };
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the L1 of " + client.getClass(), e);
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        Field field = owner.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
    }
}
