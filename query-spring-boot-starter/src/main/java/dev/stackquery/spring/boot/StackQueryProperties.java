package dev.stackquery.spring.boot;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of StackQuery, under {@code stackquery}.
 *
 * <p>Each setter checks its value, so a bad one (a negative duration, a zero size) fails startup with a binding
 * error that names the property.
 */
@ConfigurationProperties("stackquery")
public class StackQueryProperties {

    /** Maximum number of queries kept in L1; the least recently read inactive ones are evicted beyond it. */
    private int maxQueries = 10_000;

    private final Defaults defaults = new Defaults();

    private final Storage storage = new Storage();

    private final Redis redis = new Redis();

    private final Metrics metrics = new Metrics();

    private final Actuator actuator = new Actuator();

    private final Health health = new Health();

    private final Annotations annotations = new Annotations();

    private final Devtools devtools = new Devtools();

    private final CacheManager cacheManager = new CacheManager();

    public int getMaxQueries() {
        return maxQueries;
    }

    public void setMaxQueries(int maxQueries) {
        if (maxQueries < 1) {
            throw new IllegalArgumentException("stackquery.max-queries must be at least 1, was " + maxQueries);
        }
        this.maxQueries = maxQueries;
    }

    public Defaults getDefaults() {
        return defaults;
    }

    public Storage getStorage() {
        return storage;
    }

    public Redis getRedis() {
        return redis;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Actuator getActuator() {
        return actuator;
    }

    public Health getHealth() {
        return health;
    }

    public Annotations getAnnotations() {
        return annotations;
    }

    public Devtools getDevtools() {
        return devtools;
    }

    public CacheManager getCacheManager() {
        return cacheManager;
    }

    static Duration nonNegative(@Nullable Duration value, String property) {
        Objects.requireNonNull(value, property);
        if (value.isNegative()) {
            throw new IllegalArgumentException(property + " must not be negative, was " + value);
        }
        return value;
    }

    static Duration positive(@Nullable Duration value, String property) {
        nonNegative(value, property);
        if (value.isZero()) {
            throw new IllegalArgumentException(property + " must be positive, was " + value);
        }
        return value;
    }

    /** Options of every query that does not set its own. */
    public static class Defaults {

        /** How long fetched data counts as fresh; 0 makes every read revalidate in the background. */
        private Duration staleTime = Duration.ZERO;

        /** How long an unused query stays in L1 before it is collected. */
        private Duration gcTime = Duration.ofMinutes(5);

        /** Number of retries after a failed fetch, with exponential backoff (1 s doubling, at most 30 s). */
        private int retry = 3;

        /** Time limit of each fetch attempt; unset means none. */
        private @Nullable Duration timeout;

        public Duration getStaleTime() {
            return staleTime;
        }

        public void setStaleTime(Duration staleTime) {
            this.staleTime = nonNegative(staleTime, "stackquery.defaults.stale-time");
        }

        public Duration getGcTime() {
            return gcTime;
        }

        public void setGcTime(Duration gcTime) {
            this.gcTime = nonNegative(gcTime, "stackquery.defaults.gc-time");
        }

        public int getRetry() {
            return retry;
        }

        public void setRetry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("stackquery.defaults.retry must not be negative, was " + retry);
            }
            this.retry = retry;
        }

        public @Nullable Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(@Nullable Duration timeout) {
            this.timeout = timeout == null ? null : positive(timeout, "stackquery.defaults.timeout");
        }
    }

    /** Which L2 to use: {@code auto} picks Redis when the application has it, otherwise L1 only. */
    public enum StorageType {
        /** Redis when a reactive (Lettuce) Redis connection factory and query-redis are present, otherwise none. */
        AUTO,
        /** L1 only. */
        NONE,
        /** An in-memory L2 in this JVM; for tests. */
        MEMORY,
        /** Redis, shared by every instance; fails startup when the application has no Redis. */
        REDIS,
        /** The application's {@code DataSource} (SQLite, PostgreSQL, H2). */
        JDBC
    }

    /** The shared L2 cache. */
    public static class Storage {

        /** Which L2 to use. */
        private StorageType type = StorageType.AUTO;

        /** Prefix of every Redis key; use one per application sharing a Redis. */
        private String keyPrefix = "stackquery:";

        /** Time limit of each L2 call; a slower L2 is skipped for that call, never waited for longer. */
        private Duration timeout = Duration.ofMillis(250);

        /**
         * Time limit of each L2 write, counted from when it is sent; writes wait in a queue (one per key, the latest
         * wins), and a slow write pauses only writes, never reads.
         */
        private Duration writeTimeout = Duration.ofSeconds(1);

        /** How long L2 keeps an entry after it was written. */
        private Duration ttl = Duration.ofHours(24);

        /** Largest encoded value written to L2; larger values stay in L1 only and are counted. */
        private DataSize maxValueBytes = DataSize.ofMegabytes(1);

        /** Table of the JDBC L2, created when missing. */
        private String jdbcTable = "stackquery_entries";

        public StorageType getType() {
            return type;
        }

        public void setType(StorageType type) {
            this.type = Objects.requireNonNull(type, "stackquery.storage.type");
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "stackquery.storage.key-prefix");
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = positive(timeout, "stackquery.storage.timeout");
        }

        public Duration getWriteTimeout() {
            return writeTimeout;
        }

        public void setWriteTimeout(Duration writeTimeout) {
            this.writeTimeout = positive(writeTimeout, "stackquery.storage.write-timeout");
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = positive(ttl, "stackquery.storage.ttl");
        }

        public DataSize getMaxValueBytes() {
            return maxValueBytes;
        }

        public void setMaxValueBytes(DataSize maxValueBytes) {
            Objects.requireNonNull(maxValueBytes, "stackquery.storage.max-value-bytes");
            if (maxValueBytes.toBytes() < 1 || maxValueBytes.toBytes() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "stackquery.storage.max-value-bytes must be between 1B and 2GB, was " + maxValueBytes);
            }
            this.maxValueBytes = maxValueBytes;
        }

        public String getJdbcTable() {
            return jdbcTable;
        }

        public void setJdbcTable(String jdbcTable) {
            this.jdbcTable = Objects.requireNonNull(jdbcTable, "stackquery.storage.jdbc-table");
        }
    }

    /** What StackQuery does with Redis beyond L2. */
    public static class Redis {

        private final Invalidation invalidation = new Invalidation();

        private final FetchLock fetchLock = new FetchLock();

        public Invalidation getInvalidation() {
            return invalidation;
        }

        public FetchLock getFetchLock() {
            return fetchLock;
        }

        /** Cross-instance invalidation through Redis pub/sub. */
        public static class Invalidation {

            /** Whether invalidations, removals and writes reach the L1 of every other instance. */
            private boolean enabled = true;

            /** Pub/sub channel of the invalidation messages. */
            private String channel = "stackquery:invalidations";

            /**
             * While the invalidation bus is disconnected, L1 data older than this counts as stale, since other
             * instances' invalidations may be missed; 0 trusts no L1 data while disconnected. Once the bus is back,
             * all L1 data counts as stale.
             */
            private Duration maxStalenessWhileDisconnected = Duration.ofSeconds(5);

            public boolean isEnabled() {
                return enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public String getChannel() {
                return channel;
            }

            public void setChannel(String channel) {
                this.channel = Objects.requireNonNull(channel, "stackquery.redis.invalidation.channel");
            }

            public Duration getMaxStalenessWhileDisconnected() {
                return maxStalenessWhileDisconnected;
            }

            public void setMaxStalenessWhileDisconnected(Duration maxStalenessWhileDisconnected) {
                this.maxStalenessWhileDisconnected = nonNegative(maxStalenessWhileDisconnected,
                        "stackquery.redis.invalidation.max-staleness-while-disconnected");
            }
        }

        /** Cluster-wide single flight: one instance fetches a key that several miss at once. */
        public static class FetchLock {

            /** Whether instances missing the same key at once wait for one of them rather than all fetching. */
            private boolean enabled = true;

            /** How long a lock holder may take before the others fetch themselves (covers a crashed holder). */
            private Duration lease = Duration.ofSeconds(10);

            public boolean isEnabled() {
                return enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public Duration getLease() {
                return lease;
            }

            public void setLease(Duration lease) {
                this.lease = positive(lease, "stackquery.redis.fetch-lock.lease");
            }
        }
    }

    /** Micrometer meters. */
    public static class Metrics {

        /** Whether the stackquery.* meters are registered. */
        private boolean enabled = true;

        /** Number of leading key parts used as the {@code key} tag; 0 leaves the tag out. */
        private int keyTagDepth = 1;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getKeyTagDepth() {
            return keyTagDepth;
        }

        public void setKeyTagDepth(int keyTagDepth) {
            if (keyTagDepth < 0 || keyTagDepth > 8) {
                throw new IllegalArgumentException(
                        "stackquery.metrics.key-tag-depth must be between 0 and 8, was " + keyTagDepth);
            }
            this.keyTagDepth = keyTagDepth;
        }
    }

    /** When the {@code queries} endpoint shows cached values, as Boot's {@code show-values}. */
    public enum ShowValues {
        /** Never. */
        NEVER,
        /** When the caller is authenticated and has one of the configured roles (any role when none is set). */
        WHEN_AUTHORIZED,
        /** Always. */
        ALWAYS
    }

    /** The {@code queries} Actuator endpoint. */
    public static class Actuator {

        /** When the endpoint shows cached values. */
        private ShowValues showValues = ShowValues.NEVER;

        /**
         * Roles allowed to see values when show-values is when-authorized (empty: any authenticated user); when set,
         * also the only roles that may use the devtools page's actions.
         */
        private Set<String> roles = new LinkedHashSet<>();

        public ShowValues getShowValues() {
            return showValues;
        }

        public void setShowValues(ShowValues showValues) {
            this.showValues = Objects.requireNonNull(showValues, "stackquery.actuator.show-values");
        }

        public Set<String> getRoles() {
            return roles;
        }

        public void setRoles(Set<String> roles) {
            this.roles = new LinkedHashSet<>(Objects.requireNonNull(roles, "stackquery.actuator.roles"));
        }
    }

    /** The {@code stackquery} health contributor. */
    public static class Health {

        /**
         * Status reported when L2 does not answer: UP (keeps an instance in its load balancer through a hiccup), DOWN,
         * OUT_OF_SERVICE, UNKNOWN, or a status of your own listed in management.endpoint.health.status.order.
         */
        private String l2DownStatus = "UP";

        public String getL2DownStatus() {
            return l2DownStatus;
        }

        public void setL2DownStatus(String l2DownStatus) {
            Objects.requireNonNull(l2DownStatus, "stackquery.health.l2-down-status");
            if (l2DownStatus.isBlank()) {
                throw new IllegalArgumentException("stackquery.health.l2-down-status must not be blank");
            }
            this.l2DownStatus = l2DownStatus.trim().toUpperCase(java.util.Locale.ROOT);
        }
    }

    /** {@code @CachedQuery} and {@code @InvalidatesQueries}. */
    public static class Annotations {

        /** Whether beans with annotated methods are proxied. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The devtools page at /stackquery. */
    public static class Devtools {

        /** Largest accepted value of {@code events}: the ring is allocated up front. */
        public static final int MAX_EVENTS = 1_000_000;

        /** Whether the page showing the live query cache is served; it can invalidate and remove queries. */
        private boolean enabled;

        /**
         * Whether the page offers "force loading", "force error" and "restore", which replace a query's state to show
         * how the application looks while it loads or after it failed.
         */
        private boolean stateControls;

        /** Number of cache events kept for the timeline (the newest; L1 fresh hits are counted, not kept). */
        private int events = 1000;

        /** The page's view of a key on every instance, over the Redis invalidation bus. */
        private final Cluster cluster = new Cluster();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isStateControls() {
            return stateControls;
        }

        public void setStateControls(boolean stateControls) {
            this.stateControls = stateControls;
        }

        public int getEvents() {
            return events;
        }

        public void setEvents(int events) {
            if (events < 1 || events > MAX_EVENTS) {
                throw new IllegalArgumentException("stackquery.devtools.events must be between 1 and " + MAX_EVENTS
                        + ", was " + events);
            }
            this.events = events;
        }

        public Cluster getCluster() {
            return cluster;
        }

        /** The devtools page's view of every instance, under {@code stackquery.devtools.cluster}. */
        public static class Cluster {

            /** Longest instance id accepted: it travels in every message and names the instance's reply channel. */
            public static final int MAX_INSTANCE_ID_LENGTH = 128;

            /**
             * Whether, with the Redis invalidation bus, the devtools page can show a key's state on every instance;
             * each instance answers on a channel named after the key prefix (the prefix followed by "devtools").
             */
            private boolean enabled = true;

            /** Longest time the page's question waits for the other instances' answers. */
            private Duration timeout = Duration.ofSeconds(1);

            /**
             * How often an instance tells the others it is live; one not heard from for three intervals is forgotten.
             */
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
                    throw new IllegalArgumentException("stackquery.devtools.cluster.announce-interval must be at least"
                            + " 100ms, was " + announceInterval);
                }
                this.announceInterval = announceInterval;
            }

            public @Nullable String getInstanceId() {
                return instanceId;
            }

            public void setInstanceId(@Nullable String instanceId) {
                if (instanceId != null && (instanceId.isBlank() || instanceId.length() > MAX_INSTANCE_ID_LENGTH)) {
                    throw new IllegalArgumentException("stackquery.devtools.cluster.instance-id must not be blank nor"
                            + " longer than " + MAX_INSTANCE_ID_LENGTH + " characters, was '" + instanceId + "'");
                }
                this.instanceId = instanceId;
            }
        }
    }

    /** Spring's cache abstraction backed by the client. */
    public static class CacheManager {

        /** Whether @Cacheable / @CacheEvict / @CachePut use a CacheManager backed by the QueryClient. */
        private boolean enabled;

        /** How long a cached value is fresh; older ones are refreshed in the background (sync or async caching). */
        private @Nullable Duration staleTime;

        /** Retries of a failed method call made by the cache (sync = true, async methods). */
        private int retry;

        /** Whether null results are cached. */
        private boolean allowNullValues = true;

        /** The only cache names there are; empty: any name makes a cache on first use. */
        private java.util.List<String> cacheNames = new java.util.ArrayList<>();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable Duration getStaleTime() {
            return staleTime;
        }

        public void setStaleTime(@Nullable Duration staleTime) {
            this.staleTime = staleTime == null ? null : nonNegative(staleTime, "stackquery.cache-manager.stale-time");
        }

        public int getRetry() {
            return retry;
        }

        public void setRetry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("stackquery.cache-manager.retry must not be negative, was " + retry);
            }
            this.retry = retry;
        }

        public boolean isAllowNullValues() {
            return allowNullValues;
        }

        public void setAllowNullValues(boolean allowNullValues) {
            this.allowNullValues = allowNullValues;
        }

        public java.util.List<String> getCacheNames() {
            return cacheNames;
        }

        public void setCacheNames(java.util.List<String> cacheNames) {
            this.cacheNames = new java.util.ArrayList<>(Objects.requireNonNull(cacheNames,
                    "stackquery.cache-manager.cache-names"));
        }
    }
}
