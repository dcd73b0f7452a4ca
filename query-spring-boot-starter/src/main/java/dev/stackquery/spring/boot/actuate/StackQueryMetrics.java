package dev.stackquery.spring.boot.actuate;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryCacheEvent.CacheLevel;
import dev.stackquery.QueryCacheEvent.EvictionCause;
import dev.stackquery.QueryCacheEvent.LookupResult;
import dev.stackquery.QueryCacheEvent.Origin;
import dev.stackquery.QueryCacheEvent.StorageOperation;
import dev.stackquery.QueryCacheListener;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.Subscription;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * The {@code stackquery.*} meters of one {@link QueryClient}, fed by its cache events.
 *
 * <p>Per-key meters carry a {@code key} tag made of the key's first {@code keyTagDepth} parts joined by
 * {@code :} (depth 1: {@code ["user", 42]} → {@code user}; parts that are not text show as {@code *}), so their
 * number is bounded by the application's query families, not by its ids. Each family's meters are registered together the first time it is seen and then
 * looked up by that tag alone, so an event costs one map read and one increment.
 */
public final class StackQueryMetrics implements MeterBinder, QueryCacheListener {

    public static final String QUERIES = "stackquery.queries";
    public static final String LOOKUPS = "stackquery.lookups";
    public static final String FETCHES = "stackquery.fetches";
    public static final String RETRIES = "stackquery.fetch.retries";
    public static final String DEDUPLICATED = "stackquery.fetch.deduplicated";
    public static final String EVICTIONS = "stackquery.evictions";
    public static final String INVALIDATIONS = "stackquery.invalidations";
    public static final String STORAGE_ERRORS = "stackquery.storage.errors";
    public static final String STORAGE_SKIPPED = "stackquery.storage.skipped";

    static final String KEY_TAG = "key";

    private final QueryClient client;
    private final int keyTagDepth;
    private final ConcurrentMap<String, Family> families = new ConcurrentHashMap<>();
    private final Counter[] storageErrors = new Counter[StorageOperation.values().length];
    private final AtomicBoolean listening = new AtomicBoolean();
    private volatile @Nullable MeterRegistry registry;
    private volatile @Nullable Counter storageSkipped;
    private @Nullable Subscription subscription;

    /** Meters of {@code client}, with a key tag of its keys' first {@code keyTagDepth} parts (0: no key tag). */
    public StackQueryMetrics(QueryClient client, int keyTagDepth) {
        if (keyTagDepth < 0) {
            throw new IllegalArgumentException("keyTagDepth must not be negative: " + keyTagDepth);
        }
        this.client = client;
        this.keyTagDepth = keyTagDepth;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(QUERIES, client, QueryClient::size).description("Queries held in L1")
                .baseUnit("queries").register(registry);
        for (StorageOperation operation : StorageOperation.values()) {
            storageErrors[operation.ordinal()] = Counter.builder(STORAGE_ERRORS)
                    .description("L2 calls that failed, timed out or met an unreadable entry")
                    .tag("operation", lower(operation)).register(registry);
        }
        storageSkipped = Counter.builder(STORAGE_SKIPPED)
                .description("Values kept out of L2 because they exceeded stackquery.storage.max-value-bytes")
                .register(registry);
        this.registry = registry;
        if (listening.compareAndSet(false, true)) {
            subscription = client.addListener(this);
        }
    }

    /** Stops listening to the client; the meters stay registered. */
    public void close() {
        Subscription current = subscription;
        if (current != null) {
            current.unsubscribe();
        }
    }

    @Override
    public void onEvent(QueryCacheEvent event) {
        MeterRegistry current = registry;
        if (current == null) {
            return;
        }
        // Java 17: no pattern switch yet. Most frequent first.
        if (event instanceof QueryCacheEvent.Lookup lookup) {
            family(current, lookup.key()).lookups[lookup.level().ordinal() * LookupResult.values().length
                    + lookup.result().ordinal()].increment();
        } else if (event instanceof QueryCacheEvent.FetchSucceeded success) {
            family(current, success.key()).fetchSuccess.record(success.duration());
        } else if (event instanceof QueryCacheEvent.FetchFailed failure) {
            family(current, failure.key()).fetchError.record(failure.duration());
        } else if (event instanceof QueryCacheEvent.FetchDeduplicated deduplicated) {
            family(current, deduplicated.key()).deduplicated.increment();
        } else if (event instanceof QueryCacheEvent.FetchRetried retried) {
            family(current, retried.key()).retries.increment();
        } else if (event instanceof QueryCacheEvent.Invalidated invalidated) {
            family(current, invalidated.key()).invalidations[invalidated.origin().ordinal()].increment();
        } else if (event instanceof QueryCacheEvent.Evicted evicted) {
            family(current, evicted.key()).evictions[evicted.cause().ordinal()].increment();
        } else if (event instanceof QueryCacheEvent.StorageError error) {
            storageErrors[error.operation().ordinal()].increment();
        } else if (event instanceof QueryCacheEvent.StorageSkipped) {
            Counter counter = storageSkipped;
            if (counter != null) {
                counter.increment();
            }
        }
        // added, updated, started, cancelled, removed, listener failures: not metered
    }

    private Family family(MeterRegistry registry, QueryKey key) {
        String tag = keyTag(key, keyTagDepth);
        Family family = families.get(tag);
        return family != null ? family : families.computeIfAbsent(tag, t -> new Family(registry, t));
    }

    /**
     * The key tag of {@code key}: its first {@code depth} parts joined by {@code :}; "" when depth is 0. Text and
     * booleans are kept; numbers, lists and maps become {@code *}, so numeric ids cannot flood the registry. Text
     * ids (UUIDs normalise to text) would still make one tag each: keep ids out of the first parts.
     */
    public static String keyTag(QueryKey key, int depth) {
        // Asked on every hit: at depth 0 and 1 only the key's own fields and its first part (usually a family name
        // all its keys share) are read; the second part or a longer key's array would be one more memory load.
        if (depth == 0 || key.isEmpty()) {
            return "";
        }
        if (depth == 1) {
            return tagPart(key.part(0));
        }
        int n = Math.min(depth, key.size());
        if (n == 1) {
            return tagPart(key.part(0));
        }
        StringBuilder tag = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                tag.append(':');
            }
            tag.append(tagPart(key.part(i)));
        }
        return tag.toString();
    }

    private static String tagPart(Object part) {
        return part instanceof String text ? text : part instanceof Boolean flag ? flag.toString() : "*";
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The per-key meters of one key tag. */
    private final class Family {

        final Counter[] lookups = new Counter[CacheLevel.values().length * LookupResult.values().length];
        final Timer fetchSuccess;
        final Timer fetchError;
        final Counter retries;
        final Counter deduplicated;
        final Counter[] evictions = new Counter[EvictionCause.values().length];
        final Counter[] invalidations = new Counter[Origin.values().length];

        Family(MeterRegistry registry, String keyTag) {
            Tags key = keyTagDepth == 0 ? Tags.empty() : Tags.of(KEY_TAG, keyTag);
            for (CacheLevel level : CacheLevel.values()) {
                for (LookupResult result : LookupResult.values()) {
                    lookups[level.ordinal() * LookupResult.values().length + result.ordinal()] = Counter
                            .builder(LOOKUPS).description("Reads of cached data, by level and outcome")
                            .tags(key).tag("level", lower(level)).tag("result", lower(result)).register(registry);
                }
            }
            fetchSuccess = fetch(registry, key, "success");
            fetchError = fetch(registry, key, "error");
            retries = Counter.builder(RETRIES).description("Fetch attempts retried after a failure").tags(key)
                    .register(registry);
            deduplicated = Counter.builder(DEDUPLICATED)
                    .description("Callers that joined a fetch already running instead of starting one").tags(key)
                    .register(registry);
            for (EvictionCause cause : EvictionCause.values()) {
                evictions[cause.ordinal()] = Counter.builder(EVICTIONS)
                        .description("Queries that left L1 on their own, by cause").tags(key)
                        .tag("cause", lower(cause)).register(registry);
            }
            for (Origin origin : Origin.values()) {
                invalidations[origin.ordinal()] = Counter.builder(INVALIDATIONS)
                        .description("Queries invalidated, by this instance or another one").tags(key)
                        .tag("origin", lower(origin)).register(registry);
            }
        }

        private static Timer fetch(MeterRegistry registry, Tags key, String outcome) {
            return Timer.builder(FETCHES).description("Fetches from the source, retries included, by outcome")
                    .tags(key).tag("outcome", outcome).register(registry);
        }
    }
}
