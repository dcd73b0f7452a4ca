package dev.stackquery;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import dev.stackquery.QueryCacheEvent.CacheLevel;
import dev.stackquery.QueryCacheEvent.EvictionCause;
import dev.stackquery.QueryCacheEvent.LookupResult;
import dev.stackquery.QueryCacheEvent.Origin;

import org.jspecify.annotations.Nullable;

/**
 * The {@link QueryClient}. Per-key state lives in {@link Query} (see its comment for the locking scheme), the
 * running fetch of a key in {@link InFlightFetch}, L1 in {@link QueryCache}, L2 behind {@link StorageLayer}.
 */
final class DefaultQueryClient implements QueryClient {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.QueryClient");
    /** invalidateQueries' default, and what another instance's invalidation refetches here: the observed queries. */
    static final RefetchOptions INVALIDATE_DEFAULT = RefetchOptions.of(RefetchType.ACTIVE);
    private static final RefetchOptions REFETCH_DEFAULT = RefetchOptions.of(RefetchType.ALL);

    /** What a caller accepts, from most to least patient. */
    private enum Mode {
        /** fetchQuery: fresh data, or stale data plus a background refetch, or the first data to arrive. */
        SWR,
        /** fetchFreshQuery: only data fresh for the caller. */
        FRESH,
        /** ensureQueryData: any data. */
        ANY
    }

    final Clock clock;
    final QueryScheduler scheduler;
    final Executor executor;
    final CacheEvents events = new CacheEvents();
    final @Nullable StorageLayer storage;
    private final QueryDefaults defaults;
    private final long defaultStaleMillis;
    private final QueryCache cache;
    private final GcScheduler gc;
    private final List<ExecutorService> owned = new ArrayList<>();
    final @Nullable FetchLock fetchLock;
    final @Nullable SourceCallObserver sourceCalls;
    final Duration fetchLockLease;
    private final Coherence coherence;
    /** Mutation defaults by key, in the order registered (later ones win). Guarded by itself. */
    private final Map<QueryKey, MutationDefaults> mutationDefaults = new LinkedHashMap<>();
    private final Set<DefaultMutation<?, ?, ?>.Run> runningMutations = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    DefaultQueryClient(QueryClient.Builder builder) {
        this.clock = builder.clock != null ? builder.clock : CoarseClock.SYSTEM;
        this.defaults = builder.defaults;
        this.defaultStaleMillis = Durations.toMillisSaturated(defaults.staleTime());
        if (builder.scheduler != null) {
            this.scheduler = builder.scheduler;
        } else {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemonThreads("stackquery-timer"));
            timer.setRemoveOnCancelPolicy(true);
            owned.add(timer);
            this.scheduler = QueryScheduler.of(timer);
        }
        if (builder.executor != null) {
            this.executor = builder.executor;
        } else {
            ExecutorService fetchers = defaultExecutor(builder.virtualThreads);
            owned.add(fetchers);
            this.executor = fetchers;
        }
        this.cache = new QueryCache(builder.maxQueries);
        this.gc = new GcScheduler(scheduler, clock, cache::size, this::collect);
        builder.listeners.forEach(events::add);
        this.storage = builder.storage == null ? null : new StorageLayer(builder.storage,
                builder.codec != null ? builder.codec : new JacksonQueryCodec(), clock, scheduler, events,
                builder.storageTimeout, builder.storageWriteTimeout, builder.storageTtl, builder.maxValueBytes);
        this.fetchLock = builder.storage == null ? null : builder.fetchLock;
        this.fetchLockLease = builder.fetchLockLease;
        this.sourceCalls = builder.sourceCallObserver;
        this.coherence = new Coherence(this, builder.invalidationBus,
                builder.instanceId != null ? builder.instanceId : UUID.randomUUID().toString(),
                builder.maxStalenessWhileDisconnected);
    }

    /** This instance's id on the invalidation bus. */
    String instanceId() {
        return coherence.instanceId();
    }

    boolean isClosed() {
        return closed;
    }

    // ---- reading and fetching

    @Override
    public <T> CompletableFuture<T> fetchQuery(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        // The hit path: no lock, and (after the first hit on a state) no allocation, as fresh hits share one
        // completed future. Options kept by the application remember their query, which skips the map lookup: the
        // path is then options -> query -> state, three dependent loads, where a map lookup alone takes four.
        Query<T> query = options.lastQuery instanceof Query<?> last && last.home == cache && !last.removed
                ? uncheckedCast(last) : null;
        if (query == null) {
            query = cache.get(options.key());
            if (options.lastQuery != query) {
                options.lastQuery = query; // null too: a removed query is not kept reachable by the hint
            }
        }
        if (query != null) {
            QueryState<T> state = freshHit(query, staleMillis(options.staleMillis));
            if (state != null) {
                return state.completedData();
            }
        }
        return resolve(options, Mode.SWR);
    }

    /**
     * The state of {@code query} if its data is fresh for {@code staleMillis}, the read counted as an L1 hit and the
     * query marked as read; else null, with nothing done. The hit path: no lock, no allocation.
     */
    private <T> @Nullable QueryState<T> freshHit(Query<T> query, long staleMillis) {
        QueryState<T> state = query.state;
        long now = clock.millis();
        // state is null only if the hint's query was read through a race before its constructor's write showed.
        if (state == null || state.data() == null || state.isStaleAt(now, staleMillis)) {
            return null;
        }
        int tick = Query.readTick(now);
        if (query.lastRead != tick) {
            // Writing on every hit would make hot keys bounce their cache line between cores.
            query.lastRead = tick;
        }
        if (events.hasListeners()) {
            events.fire(new QueryCacheEvent.Lookup(query.key, CacheLevel.L1, LookupResult.HIT));
        }
        return state;
    }

    @Override
    public <T> CompletableFuture<T> fetchFreshQuery(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        return resolve(options, Mode.FRESH);
    }

    @Override
    public CompletableFuture<Void> prefetchQuery(QueryOptions<?> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        return fetchQuery(options).handle((ignored, error) -> null);
    }

    @Override
    public <T> CompletableFuture<T> ensureQueryData(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        return resolve(options, Mode.ANY);
    }

    private <T> CompletableFuture<T> resolve(QueryOptions<T> options, Mode mode) {
        long staleMillis = staleMillis(options);
        while (true) {
            Query<T> query = acquire(options.key(), options);
            long now = clock.millis();
            LookupResult lookup;
            QueryState<T> served = null;
            CompletableFuture<T> wait = null;
            InFlightFetch<T> started = null;
            boolean deduplicated = false;
            synchronized (query) {
                if (query.removed) {
                    continue;
                }
                query.lastRead = Query.readTick(now);
                query.remember(options, gcMillis(options));
                QueryState<T> state = query.state;
                boolean stale = state.isStaleAt(now, staleMillis);
                if (state.hasData() && (!stale || mode == Mode.ANY)) {
                    lookup = LookupResult.HIT;
                    served = state;
                } else {
                    lookup = state.hasData() ? LookupResult.STALE : LookupResult.MISS;
                    InFlightFetch<T> fetch = query.inFlight;
                    if (fetch == null) {
                        fetch = started = startFetch(query, options, true, now);
                    } else {
                        deduplicated = true;
                    }
                    if (state.hasData() && mode == Mode.SWR) {
                        served = state;
                        fetch.continueRetry();
                    } else if (mode != Mode.FRESH) {
                        wait = fetch.firstData;
                    } else {
                        // A fetch that started before the data was invalidated brings back what was there before.
                        wait = fetch.superseded() ? fetch.successor() : fetch.result;
                    }
                    if (wait != null) {
                        fetch.awaited();
                    }
                }
            }
            if (events.hasListeners()) {
                events.fire(new QueryCacheEvent.Lookup(query.key, CacheLevel.L1, lookup));
                if (deduplicated) {
                    events.fire(new QueryCacheEvent.FetchDeduplicated(query.key));
                }
            }
            if (started != null) {
                started.start();
                evictIfOver();
            }
            return served != null ? served.completedData() : wait.copy();
        }
    }

    /** Creates the in-flight fetch of {@code query}; the caller holds its monitor and calls {@code start()} after. */
    private <T> InFlightFetch<T> startFetch(Query<T> query, QueryOptions<T> options, boolean probeStorage,
            long now) {
        QueryState<T> before = query.state;
        InFlightFetch<T> fetch = new InFlightFetch<>(this, query, options, probeStorage, now, before.status(),
                query.generation());
        query.inFlight = fetch;
        // A new fetch starts with a clean failure count, as in TanStack Query.
        setState(query, before.fetching(true));
        return fetch;
    }

    @Override
    public <T> Optional<T> getQueryData(QueryKey key) {
        Objects.requireNonNull(key, "key");
        Query<T> query = cache.get(key);
        return query == null ? Optional.empty() : Optional.ofNullable(query.state.data());
    }

    @Override
    public <T> @Nullable T getFreshQueryData(QueryKey key, @Nullable Duration staleTime) {
        Objects.requireNonNull(key, "key");
        Query<T> query = cache.get(key);
        if (query == null || query.removed) {
            return null;
        }
        QueryState<T> state = freshHit(query, staleMillis(staleTime == null ? -1
                : Durations.toMillisSaturated(staleTime)));
        return state == null ? null : state.data();
    }

    @Override
    public <T> CompletableFuture<Optional<T>> getQueryDataAsync(QueryKey key, TypeRef<T> type) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        checkOpen();
        Optional<T> local = getQueryData(key);
        if (local.isPresent() || storage == null) {
            return CompletableFuture.completedFuture(local);
        }
        long generation = generationOf(key);
        return storage.read(key, type).thenApply(found -> {
            events.fire(new QueryCacheEvent.Lookup(key, CacheLevel.L2,
                    found.isPresent() ? LookupResult.HIT : LookupResult.MISS));
            if (found.isEmpty()) {
                return Optional.<T>empty();
            }
            StorageLayer.Hit<T> hit = found.get();
            while (true) {
                Query<T> query = acquire(key, null);
                synchronized (query) {
                    if (query.removed) {
                        continue;
                    }
                    query.adoptType(type);
                    if (!coherence.install(query, hit, generation) && query.state.hasData()) {
                        return Optional.of(query.state.data());
                    }
                    return Optional.of(hit.value());
                }
            }
        });
    }

    @Override
    public <T> Optional<QueryState<T>> getQueryState(QueryKey key) {
        Objects.requireNonNull(key, "key");
        Query<T> query = cache.get(key);
        return query == null ? Optional.empty() : Optional.of(query.state);
    }

    @Override
    public <T> Optional<QueryOptions<T>> getQueryOptions(QueryKey key) {
        Objects.requireNonNull(key, "key");
        Query<T> query = cache.get(key);
        if (query == null) {
            return Optional.empty();
        }
        synchronized (query) {
            return Optional.ofNullable(query.options);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean setQueryState(QueryKey key, QueryState<?> state) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
        checkOpen();
        Query<Object> query = cache.get(key);
        if (query == null) {
            return false;
        }
        synchronized (query) {
            if (query.removed) {
                return false;
            }
            setState(query, (QueryState<Object>) state);
        }
        return true;
    }

    @Override
    public List<QuerySnapshot> findAll(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        List<QuerySnapshot> found = new ArrayList<>();
        for (Query<?> query : matching(filter)) {
            found.add(snapshot(query, clock.millis()));
        }
        return found;
    }

    /** {@code query} now, staleness judged as {@link QuerySnapshot} says. */
    private <T> QuerySnapshot snapshot(Query<T> query, long now) {
        synchronized (query) {
            QueryOptions<T> options = query.options;
            long staleMillis = options != null && options.staleMillis >= 0 ? options.staleMillis : defaultStaleMillis;
            QueryState<T> state = query.state;
            boolean staleByTime = state.isStaleAt(now, staleMillis);
            var observers = query.observers();
            boolean stale;
            if (observers == null) {
                stale = !state.hasData() || state.invalidated();
            } else {
                stale = false;
                for (DefaultQueryObserver<T, ?> observer : observers) {
                    if (observer.seesStale(state, now)) {
                        stale = true;
                        break;
                    }
                }
            }
            return new QuerySnapshot(query.key, state, query.observerCount(), stale, staleByTime);
        }
    }

    // ---- writing

    @Override
    public <T> T setQueryData(QueryKey key, T value) {
        Objects.requireNonNull(value, "value");
        return this.<T>setQueryData(key, current -> value).orElseThrow();
    }

    @Override
    public <T> Optional<T> setQueryData(QueryKey key, UnaryOperator<@Nullable T> updater) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(updater, "updater");
        checkOpen();
        T updated;
        Instant at;
        TypeRef<T> type;
        Query<T> target;
        long generation;
        // On a missing key the updater runs before the query is made, so that returning null makes nothing.
        T forMissing = null;
        if (peek(key) == null) {
            forMissing = updater.apply(null);
            if (forMissing == null) {
                return Optional.empty();
            }
        }
        while (true) {
            Query<T> query = acquire(key, null);
            synchronized (query) {
                if (query.removed) {
                    continue;
                }
                QueryState<T> state = query.state;
                // Applied again only if the query got data meanwhile (then it must see that data).
                updated = forMissing != null && state.data() == null ? forMissing : updater.apply(state.data());
                if (updated == null) {
                    return Optional.empty();
                }
                at = Instant.ofEpochMilli(clock.millis());
                query.lastRead = Query.readTick(at.toEpochMilli());
                if (query.inFlight != null) {
                    // A fetch running now read the source before this value was set: its data arrives stale. (Only
                    // then: a new generation costs every set query its extras, and L2 has a generation of its own.)
                    query.supersede();
                }
                setState(query, QueryState.success(updated, at).withFetchStatus(state.fetchStatus()));
                touchGc(query);
                type = query.type();
                target = query;
                generation = query.generation();
            }
            break;
        }
        List<Query<?>> none = List.of();
        StorageLayer l2 = storage;
        if (l2 != null) {
            // Others read the new value from L2, so they hear of it only once it is there. When it did not get there
            // (too large, not encodable, L2 away, or superseded here), what L2 holds is older than the set value:
            // it is deleted, and the others are told to invalidate rather than to read it.
            l2.write(key, updated, type, at, null, () -> target.isGeneration(generation))
                    .thenCompose(landed -> landed ? CompletableFuture.completedFuture(InvalidationMessage.Action.SET)
                            : l2.delete(key).thenApply(deleted -> InvalidationMessage.Action.INVALIDATE))
                    .thenAccept(action -> coherence.publish(action, QueryFilter.exact(key), none));
        } else {
            coherence.publish(InvalidationMessage.Action.SET, QueryFilter.exact(key), none);
        }
        evictIfOver();
        return Optional.of(updated);
    }

    @Override
    public CompletableFuture<Void> invalidateQueries(QueryFilter filter) {
        return invalidateQueries(filter, INVALIDATE_DEFAULT);
    }

    @Override
    public CompletableFuture<Void> invalidateQueries(QueryFilter filter, RefetchOptions refetch) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(refetch, "refetch");
        checkOpen();
        Runnable deleted = deleting();
        List<Query<?>> matched = matching(filter);
        List<CompletableFuture<?>> work = invalidateLocally(matched, Origin.LOCAL, refetch);
        work.add(deleteFromStorage(filter, matched, deleted).thenRun(() -> coherence.publish(
                InvalidationMessage.Action.INVALIDATE, filter, matched)));
        return allSettled(work);
    }

    /** Marks {@code matched} stale in L1 and refetches those {@code refetch} selects; returns the refetches. */
    List<CompletableFuture<?>> invalidateLocally(List<Query<?>> matched, Origin origin, RefetchOptions refetch) {
        for (Query<?> query : matched) {
            invalidate(query);
            events.fire(new QueryCacheEvent.Invalidated(query.key, origin));
        }
        return refetchSelected(matched, refetch);
    }

    /** Refetches the queries of {@code matched} that {@code refetch} selects; returns the refetches. */
    private List<CompletableFuture<?>> refetchSelected(List<Query<?>> matched, RefetchOptions refetch) {
        List<CompletableFuture<?>> work = new ArrayList<>();
        if (refetch.type() == RefetchType.NONE) {
            return work;
        }
        for (Query<?> query : matched) {
            if (refetchable(query, refetch.type())) {
                CompletableFuture<?> started = refetch(query, refetch.cancelRefetch());
                if (started != null) {
                    work.add(started);
                }
            }
        }
        return work;
    }

    /**
     * Whether {@code type} selects {@code query} for a refetch. As in TanStack Query, a query whose observers are all
     * disabled is never refetched, nor one without observers that was never fetched (idle).
     */
    private boolean refetchable(Query<?> query, RefetchType type) {
        synchronized (query) {
            if (query.removed || query.options == null) {
                return false;
            }
            var observers = query.observers();
            boolean active = observers != null
                    && observers.stream().anyMatch(DefaultQueryObserver::wantsRefetchOnInvalidate);
            if (observers != null && !active
                    || observers == null && query.state.status() == QueryStatus.IDLE && !query.state.isFetching()) {
                return false;
            }
            return type == RefetchType.ALL || (type == RefetchType.ACTIVE) == active;
        }
    }

    private <T> void invalidate(Query<T> query) {
        synchronized (query) {
            query.supersede();
            setState(query, query.state.withInvalidated());
        }
    }

    @Override
    public CompletableFuture<Void> refetchQueries(QueryFilter filter) {
        return refetchQueries(filter, REFETCH_DEFAULT);
    }

    @Override
    public CompletableFuture<Void> refetchQueries(QueryFilter filter, RefetchOptions refetch) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(refetch, "refetch");
        checkOpen();
        return allSettled(refetchSelected(matching(filter), refetch));
    }

    /** After a fetch brought back superseded data: observed queries get a new fetch at once. */
    void refetchIfObserved(Query<?> query) {
        if (!closed) {
            refetchIfActive(query);
        }
    }

    /** Runs {@code options}' fetch again for callers that must not get a superseded fetch's data. */
    <T> void followUp(QueryOptions<T> options, CompletableFuture<T> waiting) {
        if (closed) {
            waiting.completeExceptionally(new java.util.concurrent.CancellationException("QueryClient is closed"));
            return;
        }
        Futures.relay(resolve(options, Mode.FRESH), waiting);
    }

    @Nullable CompletableFuture<?> refetchIfActive(Query<?> query) {
        return refetchable(query, RefetchType.ACTIVE) ? refetch(query, false) : null;
    }

    /**
     * Starts (or joins) a fetch of {@code query} from its source, ignoring freshness and L2; with
     * {@code cancelRefetch}, a running fetch of a query that has data is replaced by a new one.
     */
    private <T> @Nullable CompletableFuture<T> refetch(Query<T> query, boolean cancelRefetch) {
        InFlightFetch<T> started = null;
        Runnable replaced = null;
        CompletableFuture<T> result;
        synchronized (query) {
            if (query.removed || query.options == null) {
                return null;
            }
            InFlightFetch<T> fetch = query.inFlight;
            if (fetch != null && cancelRefetch && query.state.hasData()) {
                InFlightFetch<T> old = fetch;
                fetch = started = startFetch(query, query.options, false, clock.millis());
                replaced = old.replaceWith(fetch);
            } else if (fetch == null) {
                fetch = started = startFetch(query, query.options, false, clock.millis());
            } else {
                fetch.continueRetry();
            }
            result = fetch.superseded() ? fetch.successor() : fetch.result;
        }
        if (replaced != null) {
            replaced.run();
        }
        if (started != null) {
            started.start();
        }
        return result;
    }

    @Override
    public CompletableFuture<Void> cancelQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        for (Query<?> query : matching(filter)) {
            cancelFetch(query, true, true);
        }
        return CompletableFuture.completedFuture(null);
    }

    private void cancelFetch(Query<?> query, boolean revertState, boolean serveReverted) {
        InFlightFetch<?> fetch;
        synchronized (query) {
            fetch = query.inFlight;
        }
        if (fetch != null) {
            fetch.cancel(revertState, serveReverted);
        }
    }

    @Override
    public CompletableFuture<Void> removeQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        checkOpen();
        Runnable deleted = deleting();
        List<Query<?>> matched = matching(filter);
        removeLocally(matched);
        return allSettled(List.of(deleteFromStorage(filter, matched, deleted).thenRun(() -> coherence.publish(
                InvalidationMessage.Action.REMOVE, filter, matched))));
    }

    void removeLocally(Iterable<Query<?>> matched) {
        for (Query<?> query : matched) {
            if (remove(query)) {
                events.fire(new QueryCacheEvent.Removed(query.key));
            }
        }
    }

    /**
     * Removes a query from L1. An observed query is emptied instead (state back to idle, no data), so that its
     * observers keep watching the key and see the removal.
     */
    private boolean remove(Query<?> query) {
        boolean observed;
        synchronized (query) {
            if (query.removed) {
                return false;
            }
            observed = query.observerCount() > 0;
            if (!observed) {
                query.supersede();
                query.removed = true;
                cache.remove(query);
                cancelPolling(query);
            }
        }
        cancelFetch(query, false, false);
        if (observed) {
            empty(query);
        }
        return true;
    }

    private <T> void empty(Query<T> query) {
        synchronized (query) {
            if (!query.removed) {
                query.supersede();
                setState(query, QueryState.idle());
                touchGc(query); // its observers may have left meanwhile, and its fetch is gone
            }
        }
    }

    @Override
    public CompletableFuture<Void> resetQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        checkOpen();
        Runnable deleted = deleting();
        List<Query<?>> matched = matching(filter);
        List<CompletableFuture<?>> work = resetLocally(matched);
        work.add(deleteFromStorage(filter, matched, deleted).thenRun(() -> coherence.publish(
                InvalidationMessage.Action.RESET, filter, matched)));
        return allSettled(work);
    }

    /** Puts {@code matched} back to their initial state and refetches the observed ones; returns the refetches. */
    List<CompletableFuture<?>> resetLocally(List<Query<?>> matched) {
        List<CompletableFuture<?>> work = new ArrayList<>();
        for (Query<?> query : matched) {
            cancelFetch(query, false, false);
            reset(query);
        }
        for (Query<?> query : matched) {
            CompletableFuture<?> refetch = refetchIfActive(query);
            if (refetch != null) {
                work.add(refetch);
            }
        }
        return work;
    }

    private <T> void reset(Query<T> query) {
        synchronized (query) {
            if (query.removed) {
                return;
            }
            QueryOptions<T> options = query.options;
            T initial = options == null ? null : options.initialDataOrNull();
            long now = clock.millis();
            query.supersede();
            setState(query, initial == null ? QueryState.idle() : QueryState.success(initial, Instant.ofEpochMilli(now)));
            touchGc(query);
        }
    }

    @Override
    public CompletableFuture<Void> clear() {
        checkOpen();
        Runnable deleted = deleting();
        removeLocally(cache.all());
        return allSettled(List.of(deleteFromStorage(QueryFilter.all(), List.of(), deleted).thenRun(
                () -> coherence.publish(InvalidationMessage.Action.REMOVE, QueryFilter.all(), List.of()))));
    }

    // ---- between instances: see Coherence

    /** The generation of {@code key}'s query, 0 when there is none (a query made later starts there). */
    private long generationOf(QueryKey key) {
        Query<?> query = cache.get(key);
        if (query == null) {
            return 0;
        }
        synchronized (query) {
            return query.generation();
        }
    }

    /**
     * Announces an L2 delete before L1 changes: until it completes, L2 reads of this instance may still see what it
     * deletes, and so count for nothing (see {@link StorageLayer#deleting()}).
     */
    private Runnable deleting() {
        StorageLayer l2 = storage;
        return l2 == null ? () -> { } : l2.deleting();
    }

    private CompletableFuture<Void> deleteFromStorage(QueryFilter filter, List<Query<?>> matched,
            Runnable deleted) {
        return deleteFromStorage(filter, matched).whenComplete((ignored, error) -> deleted.run());
    }

    private CompletableFuture<Void> deleteFromStorage(QueryFilter filter, List<Query<?>> matched) {
        StorageLayer l2 = storage;
        if (l2 == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (filter instanceof QueryFilter.Prefix prefix) {
            return l2.deleteByPrefix(prefix.key());
        }
        if (filter instanceof QueryFilter.Exact exact) {
            return l2.delete(exact.key());
        }
        if (filter instanceof QueryFilter.Partial partial) {
            // L2 cannot look into map parts: everything under the pattern's plain parts goes (more, never less).
            return l2.deleteByPrefix(partial.pattern().plainHead());
        }
        if (filter instanceof QueryFilter.All) {
            return l2.deleteByPrefix(QueryKey.of());
        }
        List<CompletableFuture<?>> deletes = new ArrayList<>(matched.size());
        for (Query<?> query : matched) {
            deletes.add(l2.delete(query.key));
        }
        return allSettled(deletes);
    }

    // ---- observers

    @Override
    public <T> QueryObserver<T> watch(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        UnaryOperator<T> select = options.select().orElse(null);
        return new DefaultQueryObserver<T, T>(this, options, select != null ? select : value -> value);
    }

    @Override
    public <T, R> QueryObserver<R> watch(QueryOptions<T> options, Function<? super T, ? extends R> select) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(select, "select");
        checkOpen();
        return new DefaultQueryObserver<>(this, options, select);
    }

    /** The live query of {@code key}, if any, without creating one. */
    <T> @Nullable Query<T> peek(QueryKey key) {
        Query<T> query = cache.get(key);
        return query == null || query.removed ? null : query;
    }

    /** Makes the query active for {@code observer}; the caller holds the query's monitor. */
    <T> void attach(Query<T> query, DefaultQueryObserver<T, ?> observer, QueryOptions<T> options) {
        query.addObserver(observer);
        query.remember(options, gcMillis(options));
        query.gcAt = Long.MAX_VALUE;
        InFlightFetch<T> fetch = query.inFlight;
        if (fetch != null) {
            fetch.continueRetry();
        }
        updatePolling(query);
    }

    /** Undoes {@link #attach}; the last observer leaving starts the gcTime countdown. */
    <T> void detach(Query<T> query, DefaultQueryObserver<T, ?> observer) {
        query.removeObserver(observer);
        updatePolling(query);
        if (query.observerCount() == 0) {
            InFlightFetch<T> fetch = query.inFlight;
            if (fetch != null) {
                fetch.cancelRetry();
            }
            touchGc(query);
        }
    }

    /**
     * Starts a fetch when the data is missing or stale for {@code staleMillis} and none runs; the caller holds the
     * query's monitor and calls {@code start()} on the result after releasing it.
     */
    <T> @Nullable InFlightFetch<T> fetchIfStale(Query<T> query, QueryOptions<T> options, long staleMillis) {
        long now = clock.millis();
        if (query.inFlight != null || !query.state.isStaleAt(now, staleMillis)) {
            return null;
        }
        return startFetch(query, options, true, now);
    }

    /** Fetches {@code options}' query from its source now, or joins the fetch that runs. */
    <T> CompletableFuture<T> refetchOrJoin(QueryOptions<T> options) {
        while (true) {
            Query<T> query = acquire(options.key(), options);
            InFlightFetch<T> started = null;
            CompletableFuture<T> result;
            synchronized (query) {
                if (query.removed) {
                    continue;
                }
                query.remember(options, gcMillis(options));
                InFlightFetch<T> fetch = query.inFlight;
                if (fetch == null) {
                    fetch = started = startFetch(query, options, false, clock.millis());
                }
                fetch.awaited();
                result = fetch.superseded() ? fetch.successor() : fetch.result;
            }
            if (started != null) {
                started.start();
            }
            return result.copy();
        }
    }

    /**
     * Polls the query at the shortest {@code refetchInterval} among its enabled observers, or stops polling; the
     * caller holds the query's monitor.
     */
    void updatePolling(Query<?> query) {
        long shortest = -1;
        var observers = query.observers();
        if (observers != null) {
            for (DefaultQueryObserver<?, ?> observer : observers) {
                Long millis = observer.pollMillis();
                if (millis != null && (shortest < 0 || millis < shortest)) {
                    shortest = millis;
                }
            }
        }
        if (shortest == query.pollMillis()) {
            return;
        }
        cancelPolling(query);
        if (shortest >= 0) {
            long interval = shortest;
            query.polling(scheduler.schedule(() -> poll(query, interval), Duration.ofMillis(interval)), interval);
        }
    }

    private void cancelPolling(Query<?> query) {
        query.polling(null, -1);
    }

    private void poll(Query<?> query, long interval) {
        synchronized (query) {
            if (closed || query.removed || query.pollMillis() != interval) {
                return;
            }
            query.polling(scheduler.schedule(() -> poll(query, interval), Duration.ofMillis(interval)), interval);
        }
        refetch(query, false);
    }

    // ---- mutations

    @Override
    public <V, R, C> Mutation<V, R, C> mutation(MutationOptions<V, R, C> options) {
        Objects.requireNonNull(options, "options");
        checkOpen();
        QueryKey key = options.mutationKey().orElse(null);
        return new DefaultMutation<>(this, key == null ? options : options.withDefaults(getMutationDefaults(key)));
    }

    @Override
    public void setMutationDefaults(QueryKey mutationKey, MutationDefaults defaults) {
        Objects.requireNonNull(mutationKey, "mutationKey");
        Objects.requireNonNull(defaults, "defaults");
        synchronized (mutationDefaults) {
            mutationDefaults.put(mutationKey, defaults);
        }
    }

    @Override
    public MutationDefaults getMutationDefaults(QueryKey mutationKey) {
        Objects.requireNonNull(mutationKey, "mutationKey");
        MutationDefaults merged = MutationDefaults.none();
        synchronized (mutationDefaults) {
            for (var entry : mutationDefaults.entrySet()) {
                if (mutationKey.matchesPartially(entry.getKey())) {
                    merged = merged.then(entry.getValue());
                }
            }
        }
        return merged;
    }

    @Override
    public int isMutating() {
        return runningMutations.size();
    }

    @Override
    public int isMutating(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        if (filter instanceof QueryFilter.Where) {
            throw new IllegalArgumentException("isMutating selects mutations by their mutation key: use a prefix, "
                    + "exact, partial or all filter, not where(...), which judges query snapshots");
        }
        int count = 0;
        for (DefaultMutation<?, ?, ?>.Run run : runningMutations) {
            QueryKey key = run.mutationKey();
            if (filter instanceof QueryFilter.All || key != null && selects(filter, key)) {
                count++;
            }
        }
        return count;
    }

    void mutationStarted(DefaultMutation<?, ?, ?>.Run run) {
        runningMutations.add(run);
    }

    void mutationEnded(DefaultMutation<?, ?, ?>.Run run) {
        runningMutations.remove(run);
    }

    // ---- listeners, size, lifecycle

    @Override
    public Subscription addListener(QueryCacheListener listener) {
        return events.add(listener);
    }

    @Override
    public int size() {
        return cache.size();
    }

    @Override
    public QueryDefaults defaults() {
        return defaults;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        gc.close();
        for (Query<?> query : cache.all()) {
            synchronized (query) {
                cancelPolling(query);
            }
            cancelFetch(query, true, false);
        }
        coherence.close();
        if (storage != null) {
            storage.close();
        }
        for (ExecutorService service : owned) {
            service.shutdownNow();
        }
    }

    // ---- shared with InFlightFetch

    long staleMillis(QueryOptions<?> options) {
        return staleMillis(options.staleMillis);
    }

    /** A staleTime in ms ({@code -1}: the client's default), capped while the invalidation bus is disconnected. */
    private long staleMillis(long explicit) {
        long staleMillis = explicit >= 0 ? explicit : defaultStaleMillis;
        long cap = coherence.staleCapMillis();
        return staleMillis < cap ? staleMillis : cap;
    }

    long gcMillis(QueryOptions<?> options) {
        return Durations.toMillisSaturated(options.gcTime != null ? options.gcTime : defaults.gcTime());
    }

    int retries(QueryOptions<?> options) {
        return options.retry != null ? options.retry : defaults.retry();
    }

    RetryDelay retryDelay(QueryOptions<?> options) {
        RetryDelay delay = options.retryDelayOrNull();
        return delay != null ? delay : defaults.retryDelay();
    }

    /** Time limit of each attempt in ms, or 0 for none. */
    long timeoutMillis(QueryOptions<?> options) {
        Duration timeout = options.timeoutOrNull();
        if (timeout != null) {
            return Durations.toMillisSaturated(timeout);
        }
        return defaults.timeout().map(Durations::toMillisSaturated).orElse(0L);
    }

    /** Sets a query's state and tells listeners; the caller holds the query's monitor, which orders the events. */
    <T> void setState(Query<T> query, QueryState<T> state) {
        query.state = state;
        if (events.hasListeners()) {
            events.fire(new QueryCacheEvent.Updated(query.key, state));
        }
        var observers = query.observers();
        if (observers != null) {
            for (DefaultQueryObserver<T, ?> observer : List.copyOf(observers)) {
                observer.stateChanged(state);
            }
        }
    }

    /** Restarts the query's gcTime countdown; the caller holds its monitor. */
    void touchGc(Query<?> query) {
        long gcMillis = query.gcMillis();
        if (gcMillis < 0) {
            gcMillis = Durations.toMillisSaturated(defaults.gcTime());
        }
        long at = Durations.addSaturated(clock.millis(), gcMillis);
        query.gcAt = at;
        boolean earlier = query.gcShortened;
        query.gcShortened = false;
        gc.schedule(query, at, earlier);
    }

    // ---- internals

    @SuppressWarnings("unchecked")
    private static <T> Query<T> uncheckedCast(Query<?> query) {
        return (Query<T>) query;
    }

    /** The live query of {@code key}, created (with {@code options}' initial data) when absent. */
    <T> Query<T> acquire(QueryKey key, @Nullable QueryOptions<T> options) {
        Query<T> existing = cache.get(key);
        if (existing != null && !existing.removed) {
            return existing;
        }
        long now = clock.millis();
        T initial = options == null ? null : options.initialDataOrNull();
        Query<T> created = new Query<>(key, cache, initial == null ? QueryState.idle()
                : QueryState.success(initial, Instant.ofEpochMilli(now)), now);
        while (true) {
            Query<T> present = cache.putIfAbsent(created);
            if (present == created) {
                events.fire(new QueryCacheEvent.Added(key));
                synchronized (created) {
                    if (options != null) {
                        created.remember(options, gcMillis(options));
                    }
                    touchGc(created);
                }
                return created;
            }
            if (!present.removed) {
                return present;
            }
            // A removed query is taken out of the map under its monitor; wait for that to finish.
            synchronized (present) {
                cache.remove(present);
            }
        }
    }

    /**
     * Evicts for size when L1 is over its bound, on the inserting thread: the insert that goes over pays the scan (a
     * million queries: tens of milliseconds, every 1 % of inserts), which holds writers back as a bounded cache must.
     * (Handing the scan to the executor was tried: writers then outran it, L1 grew far past its bound at -Xmx1g, and
     * misses queued behind the scan; MillionQueriesBenchmark fell from 3.0 to 0.12 reads/µs with 630 ms GC pauses.)
     */
    private void evictIfOver() {
        if (cache.startEviction()) {
            cache.evictOldest(Query.readTick(clock.millis()), this::evictForSize);
        }
    }

    private boolean evictForSize(Query<?> query) {
        return evict(query, EvictionCause.SIZE, Long.MAX_VALUE);
    }

    /** The GC's look at a query whose entry fell due: removed if due and inactive, else queued at its deadline. */
    private void collect(Query<?> query, long now) {
        long at = query.gcAt;
        if (at > now) {
            gc.schedule(query, at, false);
        } else {
            // Fetching or observed: its deadline is set again (and so it is queued again) when that ends.
            evict(query, EvictionCause.GC, now);
        }
    }

    /** Removes an inactive, idle query from L1 (not from L2). */
    private boolean evict(Query<?> query, EvictionCause cause, long now) {
        synchronized (query) {
            if (query.removed || query.inFlight != null || query.observerCount() > 0 || query.gcAt > now) {
                return false;
            }
            query.removed = true;
            cache.remove(query);
        }
        events.fire(new QueryCacheEvent.Evicted(query.key, cause));
        return true;
    }

    List<Query<?>> matching(QueryFilter filter) {
        List<Query<?>> matched = new ArrayList<>();
        if (filter instanceof QueryFilter.Exact exact) {
            Query<?> query = cache.get(exact.key());
            if (query != null && !query.removed) {
                matched.add(query);
            }
            return matched;
        }
        if (filter instanceof QueryFilter.Prefix prefix) {
            cache.forEachWithPrefix(prefix.key(), query -> {
                if (!query.removed) {
                    matched.add(query);
                }
            });
            return matched;
        }
        if (filter instanceof QueryFilter.Partial partial) {
            QueryKey plainHead = partial.pattern().plainHead();
            if (plainHead.size() >= 2) {
                // Whatever a partial pattern selects starts with its plain parts: look among those only.
                cache.forEachWithPrefix(plainHead, query -> {
                    if (!query.removed && query.key.matchesPartially(partial.pattern())) {
                        matched.add(query);
                    }
                });
                return matched;
            }
        }
        long now = clock.millis();
        for (Query<?> query : cache.all()) {
            if (query.removed) {
                continue;
            }
            boolean hit = filter instanceof QueryFilter.Where ? filter.matches(snapshot(query, now))
                    : selects(filter, query.key);
            if (hit) {
                matched.add(query);
            }
        }
        return matched;
    }

    /** Whether a filter other than {@link QueryFilter.Where} selects {@code key}. */
    private static boolean selects(QueryFilter filter, QueryKey key) {
        if (filter instanceof QueryFilter.Prefix prefix) {
            return key.startsWith(prefix.key());
        }
        if (filter instanceof QueryFilter.Exact exact) {
            return key.equals(exact.key());
        }
        if (filter instanceof QueryFilter.Partial partial) {
            return key.matchesPartially(partial.pattern());
        }
        return filter instanceof QueryFilter.All;
    }

    private static CompletableFuture<Void> allSettled(List<CompletableFuture<?>> futures) {
        CompletableFuture<?>[] settled = new CompletableFuture<?>[futures.size()];
        for (int i = 0; i < settled.length; i++) {
            settled[i] = futures.get(i).handle((ignored, error) -> null);
        }
        return CompletableFuture.allOf(settled);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("QueryClient is closed");
        }
    }

    private static ExecutorService defaultExecutor(boolean virtualThreads) {
        if (!virtualThreads) {
            return platformThreads();
        }
        try {
            Method virtual = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) virtual.invoke(null);
        } catch (ReflectiveOperationException notOnThisJdk) {
            LOG.log(Level.DEBUG, "no virtual threads on this JDK; query functions run on a pool of 64 threads");
        }
        return platformThreads();
    }

    private static ExecutorService platformThreads() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(64, 64, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("stackquery-fetch"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
