package dev.stackquery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * Caches queries by key and fetches them: serves fresh data, serves stale data while one background refetch runs,
 * runs at most one fetch per key however many callers ask (single flight), retries with backoff, forgets inactive
 * queries after their {@code gcTime}, and shares data through an optional L2 {@link StorageBackend}.
 *
 * <p>Thread-safe. Every method that may wait returns a {@link CompletableFuture}; no method blocks the caller on
 * another caller's fetch. Each caller waiting for a fetch gets its own future: cancelling it detaches that caller
 * only ({@link #cancelQueries} cancels the fetch). Data served from the cache comes in an already-completed future
 * shared by the callers of that state, so the hit path allocates nothing; it cannot be changed (its
 * {@code obtrude} methods throw, and completing or cancelling a completed future does nothing). Futures complete
 * on whichever thread finished the work (the executor's, or the L2 client's I/O thread for data read from L2): do
 * not block in their dependent stages, or use the {@code *Async} variants. A fetch that fails after its last retry fails the future with a
 * {@link QueryFetchException} naming the key. L2 failures never fail a call. After {@link #close()}, calls fail
 * with {@link IllegalStateException}.
 *
 * <p>Build one with {@link #builder()}; {@code QueryClient.builder().build()} gives an L1-only client with standard
 * defaults.
 */
public interface QueryClient extends AutoCloseable {

    /** A builder with standard settings. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Stale-while-revalidate: fresh data (by {@code options}' {@code staleTime}) completes at once; stale data
     * completes at once and starts one background refetch (unless one runs); without data, L2 is consulted and
     * then the source, and the future completes with the first usable data (stale L2 data included, a refetch then
     * following in the background).
     */
    <T> CompletableFuture<T> fetchQuery(QueryOptions<T> options);

    /** Like {@link #fetchQuery} but never completes with stale data: it awaits the (shared) refetch. */
    <T> CompletableFuture<T> fetchFreshQuery(QueryOptions<T> options);

    /** Warms the cache as {@link #fetchQuery} would; the future completes when done and never fails. */
    CompletableFuture<Void> prefetchQuery(QueryOptions<?> options);

    /** Cached data of any age (L1, then L2) at once, or else the result of a fetch. */
    <T> CompletableFuture<T> ensureQueryData(QueryOptions<T> options);

    /** Data of {@code key} in L1, of any age; no fetch, no L2. */
    <T> Optional<T> getQueryData(QueryKey key);

    /**
     * Data of {@code key} in L1 if it is fresh for {@code staleTime} (null: the client's default), exactly as
     * {@link #fetchQuery} would serve it without calling anything: counted as an L1 hit, the query marked as read.
     * Otherwise null, and nothing happens (no fetch, no L2, no event). For code that can build a query's options only
     * when it must fetch (the {@code @CachedQuery} interceptor); allocates nothing.
     */
    <T> @Nullable T getFreshQueryData(QueryKey key, @Nullable Duration staleTime);

    /** Data of {@code key} in L1, else in L2 (read as {@code type} and kept in L1); no fetch. Never fails for L2. */
    <T> CompletableFuture<Optional<T>> getQueryDataAsync(QueryKey key, TypeRef<T> type);

    /** {@link #getQueryDataAsync(QueryKey, TypeRef)} with a plain class. */
    default <T> CompletableFuture<Optional<T>> getQueryDataAsync(QueryKey key, Class<T> type) {
        return getQueryDataAsync(key, TypeRef.of(type));
    }

    /**
     * Sets the data of {@code key} as if just fetched (creating the query if needed), writes it to L2 and tells
     * other instances. A fetch running at the time still lands afterwards.
     *
     * @return {@code value}
     */
    <T> T setQueryData(QueryKey key, T value);

    /**
     * Sets the data of {@code key} to {@code updater} applied to the current data (null when there is none),
     * atomically for the key. An updater returning null changes nothing (on a missing key it creates no query). On a
     * missing key the updater runs once with null; should the query get data while it runs, it runs again with that.
     *
     * @return the new data, or empty when the updater returned null
     */
    <T> Optional<T> setQueryData(QueryKey key, UnaryOperator<@Nullable T> updater);

    /** State of {@code key} in L1. */
    <T> Optional<QueryState<T>> getQueryState(QueryKey key);

    /**
     * The options {@code key} was last fetched with, which its refetches use (TanStack Query's {@code query.options}):
     * empty when it is not in L1 or no caller fetched it (its data was only set, or read from L2).
     */
    <T> Optional<QueryOptions<T>> getQueryOptions(QueryKey key);

    /**
     * Replaces the state of {@code key} in L1 and tells its observers and listeners, as TanStack Query's devtools do to
     * show how an application looks while a query loads or after it failed. For tools and tests: nothing checks that
     * the state follows from the last one, a fetch that is running goes on (its outcome replaces the state), and the
     * data's type is the caller's word. Nothing is written to L2 or told to other instances.
     *
     * @return whether {@code key} was in L1 (nothing is created)
     */
    boolean setQueryState(QueryKey key, QueryState<?> state);

    /** Snapshots of the L1 queries the filter selects. */
    List<QuerySnapshot> findAll(QueryFilter filter);

    /**
     * Marks the selected queries stale in L1 (every caller then refetches), deletes their L2 entries, tells other
     * instances, and refetches those that are observed. The future completes when that is done; it never fails.
     */
    CompletableFuture<Void> invalidateQueries(QueryFilter filter);

    /**
     * {@link #invalidateQueries(QueryFilter)}, refetching the queries {@code refetch} selects instead of the observed
     * ones (TanStack Query's {@code refetchType} and {@code cancelRefetch}). Other instances refetch what is observed
     * there, whatever the type.
     */
    CompletableFuture<Void> invalidateQueries(QueryFilter filter, RefetchOptions refetch);

    /**
     * Refetches every selected L1 query that has a function, ignoring freshness, and joining fetches that run; skips,
     * as TanStack Query does, queries whose observers are all disabled and unobserved queries never fetched. Completes
     * when all settled.
     */
    CompletableFuture<Void> refetchQueries(QueryFilter filter);

    /** {@link #refetchQueries(QueryFilter)} of the queries of {@code refetch}'s type, with its {@code cancelRefetch}. */
    CompletableFuture<Void> refetchQueries(QueryFilter filter, RefetchOptions refetch);

    /**
     * Cancels the running fetches of the selected queries; their state goes back to what it was. As in TanStack
     * Query, callers waiting for a cancelled fetch (those of {@link #fetchFreshQuery} included) complete with the data
     * the query holds after that, or fail with a {@link java.util.concurrent.CancellationException} when it holds none.
     */
    CompletableFuture<Void> cancelQueries(QueryFilter filter);

    /** Removes the selected queries from L1 (cancelling their fetches) and from L2. */
    CompletableFuture<Void> removeQueries(QueryFilter filter);

    /** Puts the selected queries back to their initial state (initial data, or none), in L1 and L2. */
    CompletableFuture<Void> resetQueries(QueryFilter filter);

    /** Removes every query from L1 and every entry of this client's L2. */
    CompletableFuture<Void> clear();

    /**
     * A handle that fetches with {@code options} through this client: {@code get()} is {@link #fetchQuery},
     * {@code invalidate()} invalidates exactly its key, {@code getData()} reads what is cached.
     */
    default <T> CachedQuery<T> cachedQuery(QueryOptions<T> options) {
        return new BoundCachedQuery<>(this, options);
    }

    /**
     * An observer of {@code options}' query; nothing happens until its first {@code subscribe}. See
     * {@link QueryObserver}. The options' {@code select}, if any, shapes what it shows.
     */
    <T> QueryObserver<T> watch(QueryOptions<T> options);

    /** An observer that shows {@code select} applied to the data (once per change, not once per listener). */
    <T, R> QueryObserver<R> watch(QueryOptions<T> options, Function<? super T, ? extends R> select);

    /**
     * A reusable write with optimistic-update callbacks and invalidation; see {@link Mutation}. When the options have a
     * {@linkplain MutationOptions#mutationKey() mutation key}, the {@linkplain #setMutationDefaults mutation defaults}
     * registered by then for it apply.
     */
    <V, R, C> Mutation<V, R, C> mutation(MutationOptions<V, R, C> options);

    /**
     * Registers defaults for the mutations whose key {@code mutationKey} matches partially (see
     * {@link QueryKey#matchesPartially}), replacing those registered for the same key; they apply to mutations made by
     * {@link #mutation} afterwards. Where several match, later registrations win.
     */
    void setMutationDefaults(QueryKey mutationKey, MutationDefaults defaults);

    /** The defaults that apply to a mutation with {@code mutationKey}: every match merged, later ones winning. */
    MutationDefaults getMutationDefaults(QueryKey mutationKey);

    /** Number of mutation runs in progress (started and not yet settled), of every mutation of this client. */
    int isMutating();

    /**
     * Number of mutation runs in progress whose mutation key {@code filter} selects (runs without a key count only for
     * {@link QueryFilter#all()}), so a service can tell whether writes to some data are in flight.
     *
     * @throws IllegalArgumentException for a {@link QueryFilter#where} filter, which judges queries, not mutations
     */
    int isMutating(QueryFilter filter);

    /** Registers a listener for cache events; see {@link QueryCacheListener} for its contract. */
    Subscription addListener(QueryCacheListener listener);

    /** Number of queries in L1. */
    int size();

    /** The defaults the client applies to unset options. */
    QueryDefaults defaults();

    /** The clock the client judges freshness and runs timers by (for code that judges a {@link QueryState} itself). */
    Clock clock();

    /** Cancels fetches and timers, releases the L2 and the threads the client created. Idempotent. */
    @Override
    void close();

    /**
     * Builds a {@link QueryClient}. Each setter checks its value at once and names the setting when it is bad. Not
     * thread-safe.
     */
    final class Builder {

        @Nullable Executor executor;
        boolean virtualThreads = true;
        @Nullable Clock clock;
        @Nullable QueryScheduler scheduler;
        int maxQueries = 10_000;
        @Nullable StorageBackend storage;
        @Nullable QueryCodec codec;
        QueryDefaults defaults = QueryDefaults.standard();
        Duration storageTimeout = Duration.ofMillis(250);
        Duration storageWriteTimeout = Duration.ofSeconds(1);
        Duration storageTtl = Duration.ofHours(24);
        Duration maxStalenessWhileDisconnected = Duration.ofSeconds(5);
        int maxValueBytes = 1024 * 1024;
        @Nullable InvalidationBus invalidationBus;
        @Nullable FetchLock fetchLock;
        Duration fetchLockLease = Duration.ofSeconds(10);
        @Nullable String instanceId;
        @Nullable SourceCallObserver sourceCallObserver;
        final List<QueryCacheListener> listeners = new ArrayList<>();

        Builder() {
        }

        /**
         * Executor that runs query functions. Default: a virtual thread per fetch when the JDK has them (21+) and
         * {@link #virtualThreads(boolean)} allows them, otherwise a pool of up to 64 daemon threads; the client
         * shuts down only executors it created.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Whether the default executor may use virtual threads (default true; they are used only on JDK 21+);
         * false keeps query functions on the bounded pool of platform threads. Ignored with {@link #executor}.
         */
        public Builder virtualThreads(boolean virtualThreads) {
            this.virtualThreads = virtualThreads;
            return this;
        }

        /**
         * Clock for freshness and timers. Default: the system clock (UTC) read from a field a daemon thread refreshes
         * every millisecond while the clock is in use, so a hit does not call the OS clock; freshness is exact to the
         * millisecond. Inject with {@link #scheduler}.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Scheduler for retries, timeouts and GC; default a single daemon timer thread. */
        public Builder scheduler(QueryScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Scheduler backed by an executor the caller owns. */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            return scheduler(QueryScheduler.of(Objects.requireNonNull(scheduler, "scheduler")));
        }

        /** Most queries L1 holds (default 10 000); beyond it the least recently read inactive ones go. */
        public Builder maxQueries(int maxQueries) {
            if (maxQueries < 1) {
                throw new IllegalArgumentException("maxQueries must be at least 1: " + maxQueries);
            }
            this.maxQueries = maxQueries;
            return this;
        }

        /** L2 backend (default none: L1 only). The client closes it on {@link QueryClient#close()}. */
        public Builder storage(StorageBackend storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /** Codec for L2 values; default {@link JacksonQueryCodec}. */
        public Builder codec(QueryCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Defaults for unset query options. */
        public Builder defaults(QueryDefaults defaults) {
            this.defaults = Objects.requireNonNull(defaults, "defaults");
            return this;
        }

        /**
         * Time limit of each L2 call (default 250 ms; 20 times that for a prefix delete); a slower call counts as a
         * failure.
         */
        public Builder storageTimeout(Duration storageTimeout) {
            this.storageTimeout = Durations.requirePositive(storageTimeout, "storageTimeout");
            return this;
        }

        /**
         * Time limit of each L2 write (default 1 s), counted from when it is sent: writes wait in a queue (one per key,
         * the latest value wins, a bounded number at a time), so a burst of writes does not time out, and a slow write
         * pauses only writes, never reads. A write that fails is tried again, up to 3 times in all.
         */
        public Builder storageWriteTimeout(Duration storageWriteTimeout) {
            this.storageWriteTimeout = Durations.requirePositive(storageWriteTimeout, "storageWriteTimeout");
            return this;
        }

        /**
         * While the {@link #invalidationBus} is disconnected, L1 data older than this counts as stale for every caller
         * (default 5 s; {@link Duration#ZERO}: L1 data is never trusted while disconnected), since invalidations from
         * other instances may be missed. Once the bus is back, all L1 data counts as stale.
         */
        public Builder maxStalenessWhileDisconnected(Duration maxStalenessWhileDisconnected) {
            Objects.requireNonNull(maxStalenessWhileDisconnected, "maxStalenessWhileDisconnected");
            if (maxStalenessWhileDisconnected.isNegative()) {
                throw new IllegalArgumentException("maxStalenessWhileDisconnected must not be negative: "
                        + maxStalenessWhileDisconnected);
            }
            this.maxStalenessWhileDisconnected = maxStalenessWhileDisconnected;
            return this;
        }

        /**
         * How long L2 keeps an entry after it was written (default 24 h). Freshness is still judged by each
         * caller's {@code staleTime} against the entry's {@code dataUpdatedAt}.
         */
        public Builder storageTtl(Duration storageTtl) {
            this.storageTtl = Durations.requirePositive(storageTtl, "storageTtl");
            return this;
        }

        /** Largest encoded value written to L2 (default 1 MiB); larger values stay in L1 and are counted. */
        public Builder maxValueBytes(int maxValueBytes) {
            if (maxValueBytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be positive: " + maxValueBytes);
            }
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * Bus that carries invalidations, removals, resets and {@code setQueryData} to the other instances sharing
         * the L2, and theirs to this one (default none). The client closes it on {@link QueryClient#close()}.
         */
        public Builder invalidationBus(InvalidationBus invalidationBus) {
            this.invalidationBus = Objects.requireNonNull(invalidationBus, "invalidationBus");
            return this;
        }

        /**
         * Cluster-wide single flight (default none): when L2 has nothing usable, only the instance holding the
         * key's lock calls the query function; the others watch L2 for its result up to {@link #fetchLockLease},
         * then fetch themselves. Needs a {@link #storage} and a declared {@code type}.
         */
        public Builder fetchLock(FetchLock fetchLock) {
            this.fetchLock = Objects.requireNonNull(fetchLock, "fetchLock");
            return this;
        }

        /** Longest a cluster lock is held, and so the longest another instance waits for its holder (10 s). */
        public Builder fetchLockLease(Duration fetchLockLease) {
            this.fetchLockLease = Durations.requirePositive(fetchLockLease, "fetchLockLease");
            return this;
        }

        /** This instance's id on the invalidation bus (default a random UUID); its own messages are ignored. */
        public Builder instanceId(String instanceId) {
            Objects.requireNonNull(instanceId, "instanceId");
            if (instanceId.isBlank()) {
                throw new IllegalArgumentException("instanceId must not be blank");
            }
            this.instanceId = instanceId;
            return this;
        }

        /** Observes each call of a query function, for tracing (default none); see {@link SourceCallObserver}. */
        public Builder sourceCallObserver(SourceCallObserver observer) {
            this.sourceCallObserver = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /** Adds a listener from the start, so it sees every event. */
        public Builder listener(QueryCacheListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The client. */
        public QueryClient build() {
            return new DefaultQueryClient(this);
        }
    }
}
