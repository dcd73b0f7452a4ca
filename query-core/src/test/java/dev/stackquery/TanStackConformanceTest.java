package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Scenarios of TanStack Query v5's query-core test suite, translated to StackQuery. Each test is named after the
 * TanStack test it ports and keeps its expectations; where StackQuery differs on purpose the test asserts
 * StackQuery's documented behaviour and says why. Time is a {@link FakeTime}: TanStack's {@code sleep(ms)} is a
 * future the fake clock completes, {@code vi.advanceTimersByTimeAsync(ms)} is {@link FakeTime#advance}.
 */
class TanStackConformanceTest {

    record Count(int count) {
    }

    record MyCount(int myCount) {
    }

    /** What every group shares: a client on fake time that runs functions on the calling thread. */
    abstract static class Base {

        static final Duration INFINITY = Duration.ofSeconds(Long.MAX_VALUE);

        final FakeTime time = new FakeTime();
        final FakeTime.Recorder events = new FakeTime.Recorder();
        final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
                .executor(Runnable::run).listener(events).build();
        private int keys;

        @AfterEach
        void closeClient() {
            client.close();
        }

        static Duration ms(long millis) {
            return Duration.ofMillis(millis);
        }

        /** A fresh name, like TanStack's {@code queryKey()} helper gives. */
        String uniqueName() {
            return "query_" + (++keys);
        }

        /** A fresh key, like TanStack's {@code queryKey()}. */
        QueryKey queryKey() {
            return QueryKey.of(uniqueName());
        }

        /** TanStack's {@code sleep(millis).then(then)}: completes when the fake clock has moved {@code millis}. */
        <T> CompletableFuture<T> sleep(long millis, Callable<T> then) {
            CompletableFuture<T> future = new CompletableFuture<>();
            time.schedule(() -> {
                try {
                    future.complete(then.call());
                } catch (Exception e) {
                    future.completeExceptionally(e);
                }
            }, ms(millis));
            return future;
        }

        /** TanStack's {@code sleep(millis).then(() => Promise.reject(error))}. */
        <T> CompletableFuture<T> rejectAfter(long millis, RuntimeException error) {
            return sleep(millis, () -> {
                throw error;
            });
        }

        /** A function counting its calls, like {@code vi.fn().mockReturnValue(value)}. */
        static <T> QueryFunction<T> counting(AtomicInteger calls, T value) {
            return ctx -> {
                calls.incrementAndGet();
                return value;
            };
        }

        <T> QueryState<T> state(QueryKey key) {
            return client.<T>getQueryState(key).orElseThrow();
        }

        List<QueryKey> keys(QueryFilter filter) {
            return client.findAll(filter).stream().map(QuerySnapshot::key).toList();
        }

        static QueryFilter and(QueryFilter filter, Predicate<QuerySnapshot> predicate) {
            return QueryFilter.where(q -> filter.matches(q) && predicate.test(q));
        }

        int observerCount(QueryKey key) {
            return client.findAll(QueryFilter.exact(key)).get(0).observerCount();
        }

        /** The error a failed future failed with (unwrapped from the CompletionException of a copied future). */
        static Throwable failureOf(CompletableFuture<?> future) {
            assertThat(future).isCompletedExceptionally();
            try {
                future.join();
            } catch (CompletionException e) {
                return e.getCause();
            } catch (CancellationException e) {
                return e;
            }
            throw new AssertionError("not failed");
        }

        /** The results a listener heard after the current result that {@code subscribe} hands it at once. */
        static <T> List<QueryResult<T>> afterFirst(List<QueryResult<T>> results) {
            assertThat(results).isNotEmpty();
            return results.subList(1, results.size());
        }

        static String story(QueryResult<?> r) {
            return r.status() + "/" + r.fetchStatus() + "/" + r.data();
        }
    }

    @Nested
    class QueryClientTests extends Base {

        // ---- setQueryData

        // TanStack queryClient.test.tsx: "should not crash if query could not be found"
        @Test
        void shouldNotCrashIfQueryCouldNotBeFound() {
            QueryKey key = QueryKey.of(uniqueName(), Map.of("userId", 1));
            assertThatCode(() -> client.<Map<String, Object>>setQueryData(key, prevUser -> {
                Map<String, Object> user = new HashMap<>(prevUser == null ? Map.<String, Object>of() : prevUser);
                user.put("name", "James");
                return user;
            })).doesNotThrowAnyException();
            assertThat(client.<Map<String, Object>>getQueryData(key)).contains(Map.of("name", "James"));
        }

        // TanStack queryClient.test.tsx: "should create a new query if query was not found 1"
        @Test
        void shouldCreateANewQueryIfQueryWasNotFound1() {
            QueryKey key = queryKey();
            client.setQueryData(key, "bar");
            assertThat(client.<String>getQueryData(key)).contains("bar");
        }

        // TanStack queryClient.test.tsx: "should not create a new query if query was not found and updater returns undefined"
        @Test
        void shouldNotCreateANewQueryIfQueryWasNotFoundAndUpdaterReturnsUndefined() {
            QueryKey key = queryKey();
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            client.<String>setQueryData(key, old -> null);
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            assertThat(client.getQueryState(key)).isEmpty();
        }

        // TanStack queryClient.test.tsx: "should not update query data if updater returns undefined"
        @Test
        void shouldNotUpdateQueryDataIfUpdaterReturnsUndefined() {
            QueryKey key = queryKey();
            client.setQueryData(key, "qux");
            client.<String>setQueryData(key, old -> null);
            assertThat(client.<String>getQueryData(key)).contains("qux");
        }

        // TanStack queryClient.test.tsx: "should accept an update function"
        @Test
        void shouldAcceptAnUpdateFunction() {
            QueryKey key = queryKey();
            List<String> updaterCalls = new ArrayList<>();
            client.setQueryData(key, "test data");
            client.<String>setQueryData(key, oldData -> {
                updaterCalls.add(oldData);
                return "new data + " + oldData;
            });
            assertThat(updaterCalls).containsExactly("test data");
            assertThat(client.findAll(QueryFilter.exact(key))).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("new data + test data"));
        }

        // TanStack queryClient.test.tsx: "should not set isFetching to false"
        @Test
        void shouldNotSetIsFetchingToFalse() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(10, () -> 23)).build());
            QueryState<Integer> state = state(key);
            assertThat(state.data()).isNull();
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.FETCHING);
            client.setQueryData(key, 42);
            state = state(key);
            assertThat(state.data()).isEqualTo(42);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.FETCHING);
            time.advance(ms(10));
            state = state(key);
            assertThat(state.data()).isEqualTo(23);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
            // Differs on purpose: the fetch read the source before setQueryData, so its data arrives marked
            // invalidated (TanStack stores it as plain data).
            assertThat(state.invalidated()).isTrue();
        }

        // ---- isFetching

        // TanStack queryClient.test.tsx: "should return length of fetching queries"
        @Test
        void shouldReturnLengthOfFetchingQueries() {
            // Adapted: no isFetching(); the same count through findAll.
            IntSupplier isFetching = () -> client.findAll(QueryFilter.where(q -> q.state().isFetching())).size();
            assertThat(isFetching.getAsInt()).isZero();
            client.prefetchQuery(QueryOptions.async(queryKey(), ctx -> sleep(10, () -> "data")).build());
            assertThat(isFetching.getAsInt()).isEqualTo(1);
            client.prefetchQuery(QueryOptions.async(queryKey(), ctx -> sleep(5, () -> "data")).build());
            assertThat(isFetching.getAsInt()).isEqualTo(2);
            time.advance(ms(5));
            assertThat(isFetching.getAsInt()).isEqualTo(1);
            time.advance(ms(5));
            assertThat(isFetching.getAsInt()).isZero();
        }

        // ---- getQueryData

        // TanStack queryClient.test.tsx: "should return the query data if the query is found"
        @Test
        void shouldReturnTheQueryDataIfTheQueryIsFound() {
            QueryKey key = QueryKey.of(uniqueName(), "id");
            client.setQueryData(key, "bar");
            assertThat(client.<String>getQueryData(key)).contains("bar");
        }

        // TanStack queryClient.test.tsx: "should return undefined if the query is not found"
        @Test
        void shouldReturnUndefinedIfTheQueryIsNotFound() {
            assertThat(client.getQueryData(queryKey())).isEmpty();
        }

        // TanStack queryClient.test.tsx: "should match exact by default"
        @Test
        void shouldMatchExactByDefault() {
            String name = uniqueName();
            client.setQueryData(QueryKey.of(name, "id"), "bar");
            assertThat(client.getQueryData(QueryKey.of(name))).isEmpty();
        }

        // ---- ensureQueryData

        // TanStack queryClient.test.tsx: "should return the cached query data if the query is found"
        @Test
        void shouldReturnTheCachedQueryDataIfTheQueryIsFound() {
            QueryKey key = QueryKey.of(uniqueName(), "id");
            AtomicInteger calls = new AtomicInteger();
            client.setQueryData(key, "bar");
            assertThat(client.ensureQueryData(QueryOptions.builder(key, counting(calls, "data")).build()))
                    .isCompletedWithValue("bar");
            assertThat(calls).hasValue(0);
        }

        // TanStack queryClient.test.tsx: "should call fetchQuery and return its results if the query is not found"
        @Test
        void shouldCallFetchQueryAndReturnItsResultsIfTheQueryIsNotFound() {
            AtomicInteger calls = new AtomicInteger();
            assertThat(client.ensureQueryData(QueryOptions.builder(queryKey(), counting(calls, "data")).build()))
                    .isCompletedWithValue("data");
            assertThat(calls).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should not fetch with initialDat"
        @Test
        void shouldNotFetchWithInitialDat() {
            AtomicInteger calls = new AtomicInteger();
            QueryKey key = QueryKey.of(uniqueName(), "id");
            assertThat(client.ensureQueryData(QueryOptions.builder(key, counting(calls, "data"))
                    .initialData("initial").build())).isCompletedWithValue("initial");
            assertThat(calls).hasValue(0);
        }

        // ---- fetchQuery (TanStack's fetchQuery waits for fresh data: StackQuery's fetchFreshQuery)

        // TanStack queryClient.test.tsx: "should not retry by default"
        @Test
        void shouldNotRetryByDefault() {
            AtomicInteger calls = new AtomicInteger();
            QueryFunction<String> failing = ctx -> {
                calls.incrementAndGet();
                throw new IllegalStateException("error");
            };
            // Differs on purpose: the default retry is 3 for every call (TanStack's fetchQuery defaults to no
            // retry); retry(0) gives TanStack's behaviour.
            CompletableFuture<String> byDefault = client.fetchFreshQuery(QueryOptions.builder(queryKey(), failing)
                    .build());
            assertThat(calls).hasValue(1);
            assertThat(byDefault).isNotDone();
            time.advance(Duration.ofMinutes(1));
            assertThat(calls).hasValue(4);
            assertThat(failureOf(byDefault)).isInstanceOf(QueryFetchException.class).hasRootCauseMessage("error");

            calls.set(0);
            CompletableFuture<String> noRetry = client.fetchFreshQuery(QueryOptions.builder(queryKey(), failing)
                    .retry(0).build());
            assertThat(calls).hasValue(1);
            assertThat(failureOf(noRetry)).hasCauseInstanceOf(IllegalStateException.class)
                    .hasRootCauseMessage("error");
        }

        // TanStack queryClient.test.tsx: "should return the cached data on cache hit"
        @Test
        void shouldReturnTheCachedDataOnCacheHit() {
            List<String> data = List.of("data");
            QueryOptions<List<String>> options = QueryOptions.builder(queryKey(), ctx -> data).build();
            List<String> first = client.fetchFreshQuery(options).join();
            List<String> second = client.fetchFreshQuery(options).join();
            assertThat(second).isSameAs(first);
        }

        // TanStack queryClient.test.tsx: "should be able to fetch when garbage collection time is set to 0 and then be removed"
        @Test
        void shouldBeAbleToFetchWhenGarbageCollectionTimeIsSetTo0AndThenBeRemoved() {
            QueryKey key1 = queryKey();
            CompletableFuture<Integer> promise = client.fetchFreshQuery(
                    QueryOptions.async(key1, ctx -> sleep(10, () -> 1)).gcTime(Duration.ZERO).build());
            time.advance(ms(10));
            assertThat(promise).isCompletedWithValue(1);
            time.advance(ms(1));
            assertThat(client.getQueryData(key1)).isEmpty();
        }

        // TanStack queryClient.test.tsx: "should keep a query in cache if garbage collection time is Infinity"
        @Test
        void shouldKeepAQueryInCacheIfGarbageCollectionTimeIsInfinity() {
            QueryKey key1 = queryKey();
            CompletableFuture<Integer> promise = client.fetchFreshQuery(
                    QueryOptions.async(key1, ctx -> sleep(10, () -> 1)).gcTime(INFINITY).build());
            time.advance(ms(10));
            Object result2 = client.getQueryData(key1).orElse(null);
            assertThat(promise).isCompletedWithValue(1);
            assertThat(result2).isEqualTo(1);
            time.advance(Duration.ofDays(365));
            assertThat(client.getQueryData(key1)).contains(1);
        }

        // TanStack queryClient.test.tsx: "should not force fetch"
        @Test
        void shouldNotForceFetch() {
            QueryKey key = queryKey();
            client.setQueryData(key, "og");
            String first = client.fetchFreshQuery(QueryOptions.builder(key, ctx -> "new").initialData("initial")
                    .staleTime(ms(100)).build()).join();
            assertThat(first).isEqualTo("og");
        }

        // TanStack queryClient.test.tsx: "should only fetch if the data is older then the given stale time"
        @Test
        void shouldOnlyFetchIfTheDataIsOlderThenTheGivenStaleTime() {
            QueryKey key = queryKey();
            AtomicInteger count = new AtomicInteger();
            QueryFunction<Integer> queryFn = ctx -> count.incrementAndGet();
            client.setQueryData(key, count.get());
            CompletableFuture<Integer> firstPromise = client.fetchFreshQuery(QueryOptions.builder(key, queryFn)
                    .staleTime(ms(100)).build());
            assertThat(firstPromise).isCompletedWithValue(0);
            time.advance(ms(10));
            QueryOptions<Integer> tenMillis = QueryOptions.builder(key, queryFn).staleTime(ms(10)).build();
            assertThat(client.fetchFreshQuery(tenMillis)).isCompletedWithValue(1);
            assertThat(client.fetchFreshQuery(tenMillis)).isCompletedWithValue(1);
            time.advance(ms(10));
            assertThat(client.fetchFreshQuery(tenMillis)).isCompletedWithValue(2);
        }

        // ---- prefetchQuery

        // TanStack queryClient.test.tsx: "should return undefined when an error is thrown"
        @Test
        void shouldReturnUndefinedWhenAnErrorIsThrown() {
            CompletableFuture<Void> result = client.prefetchQuery(QueryOptions.<String>builder(queryKey(), ctx -> {
                throw new IllegalStateException("error");
            }).retry(0).build());
            assertThat(result).succeedsWithin(Duration.ZERO).isNull();
        }

        // TanStack queryClient.test.tsx: "should be garbage collected after gcTime if unused"
        @Test
        void shouldBeGarbageCollectedAfterGcTimeIfUnused() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").gcTime(ms(10)).build()).join();
            assertThat(client.findAll(QueryFilter.exact(key))).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("data"));
            time.advance(ms(15));
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
        }

        // ---- removeQueries

        // TanStack queryClient.test.tsx: "should not crash when exact is provided"
        @Test
        void shouldNotCrashWhenExactIsProvided() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            assertThat(client.findAll(QueryFilter.exact(key))).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("data"));
            assertThatCode(() -> client.removeQueries(QueryFilter.exact(key)).join()).doesNotThrowAnyException();
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
        }

        // ---- cancelQueries

        // TanStack queryClient.test.tsx: "should revert queries to their previous state"
        @Test
        void shouldRevertQueriesToTheirPreviousState() {
            QueryKey key1 = queryKey();
            client.setQueryData(key1, "data");
            CompletableFuture<String> pending = client.fetchFreshQuery(
                    QueryOptions.async(key1, ctx -> sleep(1000, () -> "data2")).build());
            time.advance(ms(10));
            client.cancelQueries(QueryFilter.all()).join();
            // With previous data present, the waiting fetch resolves to that data after the cancel.
            assertThat(pending).succeedsWithin(Duration.ZERO).isEqualTo("data");
            QueryState<String> state1 = state(key1);
            assertThat(state1.data()).isEqualTo("data");
            assertThat(state1.status()).isEqualTo(QueryStatus.SUCCESS);
        }

        // TanStack queryClient.test.tsx: "should throw CancelledError for imperative methods when initial fetch is cancelled"
        @Test
        void shouldThrowCancelledErrorForImperativeMethodsWhenInitialFetchIsCancelled() {
            QueryKey key = queryKey();
            CompletableFuture<Integer> promise = client.fetchFreshQuery(
                    QueryOptions.async(key, ctx -> sleep(50, () -> 25)).build());
            time.advance(ms(10));
            client.cancelQueries(QueryFilter.prefix(key)).join();
            assertThat(failureOf(promise)).isInstanceOf(CancellationException.class);
            QueryState<Integer> state = state(key);
            // Differs on purpose: a query with no data that never completed a fetch is IDLE (TanStack: 'pending'
            // with fetchStatus 'idle').
            assertThat(state.status()).isEqualTo(QueryStatus.IDLE);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
            assertThat(state.data()).isNull();
            assertThat(state.error()).isNull();
        }

        // ---- refetchQueries

        // TanStack queryClient.test.tsx: "should not refetch if all observers are disabled"
        @Test
        void shouldNotRefetchIfAllObserversAreDisabled() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            QueryFunction<String> queryFn = counting(calls, "data");
            client.fetchFreshQuery(QueryOptions.builder(key, queryFn).build()).join();
            Subscription observer1 = client.watch(QueryOptions.builder(key, queryFn).enabled(false).build())
                    .subscribe(r -> { });
            client.refetchQueries(QueryFilter.all()).join();
            observer1.unsubscribe();
            assertThat(calls).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should refetch if at least one observer is enabled"
        @Test
        void shouldRefetchIfAtLeastOneObserverIsEnabled() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            QueryFunction<String> queryFn = counting(calls, "data");
            client.fetchFreshQuery(QueryOptions.builder(key, queryFn).build()).join();
            QueryObserver<String> observer1 = client.watch(QueryOptions.builder(key, queryFn).enabled(false)
                    .build());
            // Adapted: no refetchOnMount option; fresh data (staleTime Infinity) keeps the mount from fetching.
            QueryObserver<String> observer2 = client.watch(QueryOptions.builder(key, queryFn).staleTime(INFINITY)
                    .build());
            Subscription s1 = observer1.subscribe(r -> { });
            Subscription s2 = observer2.subscribe(r -> { });
            client.refetchQueries(QueryFilter.all()).join();
            s1.unsubscribe();
            s2.unsubscribe();
            assertThat(calls).hasValue(2);
        }

        // TanStack queryClient.test.tsx: "should refetch all queries when no arguments are given"
        @Test
        void shouldRefetchAllQueriesWhenNoArgumentsAreGiven() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            QueryOptions<String> observed = QueryOptions.builder(key1, queryFn1).staleTime(INFINITY)
                    .initialData("initial").build();
            Subscription s1 = client.watch(observed).subscribe(r -> { });
            Subscription s2 = client.watch(observed).subscribe(r -> { });
            client.refetchQueries(QueryFilter.all()).join();
            s1.unsubscribe();
            s2.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(2);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch all fresh queries"
        @Test
        void shouldBeAbleToRefetchAllFreshQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            // Adapted: TanStack's { type: 'active', stale: false } is a predicate on the snapshot.
            client.refetchQueries(QueryFilter.where(q -> q.isActive() && !q.stale())).join();
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch all stale queries"
        @Test
        void shouldBeAbleToRefetchAllStaleQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).build())
                    .subscribe(r -> { });
            client.invalidateQueries(QueryFilter.prefix(key1));
            client.refetchQueries(QueryFilter.where(QuerySnapshot::stale)).join();
            unsubscribe.unsubscribe();
            // fetchQuery, observer mount, invalidation and refetch
            assertThat(calls1).hasValue(4);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch all stale and active queries"
        @Test
        void shouldBeAbleToRefetchAllStaleAndActiveQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            AsyncQueryFunction<String> queryFn1 = ctx -> {
                calls1.incrementAndGet();
                return sleep(10, () -> "data1");
            };
            CompletableFuture<String> first = client.fetchFreshQuery(QueryOptions.async(key1, queryFn1).build());
            time.advance(ms(10));
            assertThat(first).isCompletedWithValue("data1");
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            client.invalidateQueries(QueryFilter.prefix(key1));
            Subscription unsubscribe = client.watch(QueryOptions.async(key1, queryFn1).build())
                    .subscribe(r -> { });
            // TanStack's cancelRefetch: false is StackQuery's refetchQueries: it joins the running mount fetch.
            CompletableFuture<Void> refetched = client.refetchQueries(
                    QueryFilter.where(q -> q.isActive() && q.stale()));
            time.advance(ms(10));
            assertThat(refetched).isDone();
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch all active and inactive queries (queryClient.refetchQueries()"
        @Test
        void shouldBeAbleToRefetchAllActiveAndInactiveQueriesQueryClientRefetchQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.refetchQueries(QueryFilter.all()).join();
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(2);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch only active queries"
        @Test
        void shouldBeAbleToRefetchOnlyActiveQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.refetchQueries(QueryFilter.where(QuerySnapshot::isActive)).join();
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should be able to refetch only inactive queries"
        @Test
        void shouldBeAbleToRefetchOnlyInactiveQueries() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.refetchQueries(QueryFilter.where(q -> !q.isActive())).join();
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(1);
            assertThat(calls2).hasValue(2);
        }

        // ---- invalidateQueries

        // TanStack queryClient.test.tsx: "should refetch active queries by default"
        @Test
        void shouldRefetchActiveQueriesByDefault() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.invalidateQueries(QueryFilter.prefix(key1));
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should not refetch inactive queries by default"
        @Test
        void shouldNotRefetchInactiveQueriesByDefault() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).enabled(false)
                    .staleTime(INFINITY).build()).subscribe(r -> { });
            client.invalidateQueries(QueryFilter.prefix(key1));
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(1);
            assertThat(calls2).hasValue(1);
        }

        // ---- resetQueries

        // TanStack queryClient.test.tsx: "should notify listeners when a query is reset"
        @Test
        void shouldNotifyListenersWhenAQueryIsReset() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            FakeTime.Recorder callback = new FakeTime.Recorder();
            client.addListener(callback);
            client.resetQueries(QueryFilter.prefix(key));
            assertThat(callback.all()).first().isInstanceOfSatisfying(QueryCacheEvent.Updated.class, e -> {
                assertThat(e.key()).isEqualTo(key);
                assertThat(e.state().data()).isNull();
            });
        }

        // TanStack queryClient.test.tsx: "should reset query"
        @Test
        void shouldResetQuery() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            QueryState<String> state = state(key);
            assertThat(state.data()).isEqualTo("data");
            assertThat(state.status()).isEqualTo(QueryStatus.SUCCESS);
            client.resetQueries(QueryFilter.prefix(key));
            state = state(key);
            assertThat(state.data()).isNull();
            // Differs on purpose: no data and no fetch is IDLE (TanStack: 'pending' with fetchStatus 'idle').
            assertThat(state.status()).isEqualTo(QueryStatus.IDLE);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
        }

        // TanStack queryClient.test.tsx: "should reset query data to initial data if set"
        @Test
        void shouldResetQueryDataToInitialDataIfSet() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").initialData("initial").build()).join();
            assertThat(this.<String>state(key).data()).isEqualTo("data");
            client.resetQueries(QueryFilter.prefix(key));
            assertThat(this.<String>state(key).data()).isEqualTo("initial");
        }

        // TanStack queryClient.test.tsx: "should refetch queries matched by a state-dependent predicate"
        @Test
        void shouldRefetchQueriesMatchedByAStateDependentPredicate() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            QueryFunction<String> queryFn = ctx -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("error");
                }
                return "data";
            };
            // Adapted: no retryOnMount option, so the observer subscribes first and its own fetch is the one that
            // fails (TanStack: a failed fetchQuery, then an observer that does not retry on mount).
            Subscription unsubscribe = client.watch(QueryOptions.builder(key, queryFn).retry(0).build())
                    .subscribe(r -> { });
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.ERROR);
            assertThat(this.<String>state(key).error()).hasMessage("error");
            client.resetQueries(QueryFilter.where(q -> q.state().status() == QueryStatus.ERROR)).join();
            assertThat(calls).hasValue(2);
            assertThat(client.<String>getQueryData(key)).contains("data");
            unsubscribe.unsubscribe();
        }

        // TanStack queryClient.test.tsx: "should refetch all active queries"
        @Test
        void shouldRefetchAllActiveQueries() {
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            Subscription observer1 = client.watch(QueryOptions.builder(queryKey(), counting(calls1, "data1"))
                    .enabled(true).build()).subscribe(r -> { });
            Subscription observer2 = client.watch(QueryOptions.builder(queryKey(), counting(calls2, "data2"))
                    .enabled(false).build()).subscribe(r -> { });
            client.resetQueries(QueryFilter.all()).join();
            observer2.unsubscribe();
            observer1.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(0);
        }

        // TanStack queryClient.test.tsx: "should not refetch active queries when "refetch" is "none""
        @Test
        void shouldNotRefetchActiveQueriesWhenRefetchIsNone() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.invalidateQueries(QueryFilter.prefix(key1), RefetchOptions.of(RefetchType.NONE));
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(1);
            assertThat(calls2).hasValue(1);
            assertThat(this.<String>state(key1).invalidated()).isTrue();
        }

        // TanStack queryClient.test.tsx: "should refetch inactive queries when "refetch" is "inactive""
        @Test
        void shouldRefetchInactiveQueriesWhenRefetchIsInactive() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            // Adapted: no refetchOnMount option; fresh data (staleTime Infinity) keeps the mount from fetching.
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            unsubscribe.unsubscribe();
            client.invalidateQueries(QueryFilter.prefix(key1), RefetchOptions.of(RefetchType.INACTIVE)).join();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should refetch active and inactive queries when "refetch" is "all""
        @Test
        void shouldRefetchActiveAndInactiveQueriesWhenRefetchIsAll() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            AtomicInteger calls1 = new AtomicInteger();
            AtomicInteger calls2 = new AtomicInteger();
            QueryFunction<String> queryFn1 = counting(calls1, "data1");
            client.fetchFreshQuery(QueryOptions.builder(key1, queryFn1).build()).join();
            client.fetchFreshQuery(QueryOptions.builder(key2, counting(calls2, "data2")).build()).join();
            Subscription unsubscribe = client.watch(QueryOptions.builder(key1, queryFn1).staleTime(INFINITY).build())
                    .subscribe(r -> { });
            client.invalidateQueries(QueryFilter.all(), RefetchOptions.of(RefetchType.ALL));
            unsubscribe.unsubscribe();
            assertThat(calls1).hasValue(2);
            assertThat(calls2).hasValue(2);
        }

        // TanStack queryClient.test.tsx: "should not refetch disabled inactive queries even if "refetchType" is "all"
        @Test
        void shouldNotRefetchDisabledInactiveQueriesEvenIfRefetchTypeIsAll() {
            AtomicInteger calls = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(queryKey(), counting(calls, "data1"))
                    .staleTime(INFINITY).enabled(false).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            unsubscribe.unsubscribe();
            client.invalidateQueries(QueryFilter.all(), RefetchOptions.of(RefetchType.ALL)).join();
            assertThat(calls).hasValue(0);
        }

        // TanStack queryClient.test.tsx: "should cancel ongoing fetches if cancelRefetch option is set (default value)"
        @Test
        void shouldCancelOngoingFetchesIfCancelRefetchOptionIsSetDefaultValue() {
            QueryKey key = queryKey();
            AtomicInteger abortFn = new AtomicInteger();
            AtomicInteger fetchCount = new AtomicInteger();
            QueryObserver<Integer> observer = client.watch(QueryOptions.async(key, ctx -> {
                fetchCount.incrementAndGet();
                ctx.onCancel(abortFn::incrementAndGet);
                return sleep(10, () -> 5);
            }).initialData(1).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            // Differs on purpose: refetchQueries(filter) joins a running fetch; cancelRefetch is asked for
            // explicitly (TanStack's default is true).
            client.refetchQueries(QueryFilter.all(), RefetchOptions.of(RefetchType.ALL).withCancelRefetch(true));
            time.advance(ms(10));
            unsubscribe.unsubscribe();
            assertThat(abortFn).hasValue(1);
            assertThat(fetchCount).hasValue(2);
            assertThat(client.<Integer>getQueryData(key)).contains(5);
        }

        // TanStack queryClient.test.tsx: "should not cancel ongoing fetches if cancelRefetch option is set to false"
        @Test
        void shouldNotCancelOngoingFetchesIfCancelRefetchOptionIsSetToFalse() {
            QueryKey key = queryKey();
            AtomicInteger abortFn = new AtomicInteger();
            AtomicInteger fetchCount = new AtomicInteger();
            QueryObserver<Integer> observer = client.watch(QueryOptions.async(key, ctx -> {
                fetchCount.incrementAndGet();
                ctx.onCancel(abortFn::incrementAndGet);
                return sleep(10, () -> 5);
            }).initialData(1).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            client.refetchQueries(QueryFilter.all(), RefetchOptions.of(RefetchType.ALL).withCancelRefetch(false));
            time.advance(ms(10));
            unsubscribe.unsubscribe();
            assertThat(abortFn).hasValue(0);
            assertThat(fetchCount).hasValue(1);
        }

        // TanStack queryClient.test.tsx: "should return length of mutating"
        @Test
        void shouldReturnLengthOfMutating() {
            assertThat(client.isMutating()).isZero();
            client.mutation(MutationOptions.<String, String, Void>async(v -> sleep(10, () -> "data")).build())
                    .mutate("x");
            assertThat(client.isMutating()).isEqualTo(1);
            client.mutation(MutationOptions.<String, String, Void>async(v -> sleep(5, () -> "data")).build())
                    .mutate("x");
            assertThat(client.isMutating()).isEqualTo(2);
            time.advance(ms(5));
            assertThat(client.isMutating()).isEqualTo(1);
            time.advance(ms(5));
            assertThat(client.isMutating()).isZero();
        }

        // TanStack queryClient.test.tsx: "should update existing mutation defaults"
        @Test
        void shouldUpdateExistingMutationDefaults() {
            QueryKey key = queryKey();
            client.setMutationDefaults(key, MutationDefaults.builder().retry(2).retryDelay(RetryDelay.fixed(ms(1)))
                    .build());
            client.setMutationDefaults(key, MutationDefaults.builder().retry(0).build());
            assertThat(client.getMutationDefaults(key)).isNotNull();
            // Adapted: the merged defaults are checked through what a mutation with that key does.
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Void>builder(v -> {
                attempts.incrementAndGet();
                throw new IllegalStateException("fail");
            }).mutationKey(key).build()).mutate("x");
            time.advance(ms(10));
            assertThat(attempts).hasValue(1);
            assertThat(result).isCompletedExceptionally();
        }

        // TanStack queryClient.test.tsx: "should return only matching defaults when multiple mutation defaults are set"
        @Test
        void shouldReturnOnlyMatchingDefaultsWhenMultipleMutationDefaultsAreSet() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            client.setMutationDefaults(key1, MutationDefaults.builder().retry(1).retryDelay(RetryDelay.fixed(ms(1)))
                    .build());
            client.setMutationDefaults(key2, MutationDefaults.builder().retry(2).retryDelay(RetryDelay.fixed(ms(1)))
                    .build());
            assertThat(client.getMutationDefaults(key1)).isNotNull();
            assertThat(client.getMutationDefaults(key2)).isNotNull();
            // Adapted: the defaults are checked through what a mutation with each key does.
            AtomicInteger attempts1 = new AtomicInteger();
            AtomicInteger attempts2 = new AtomicInteger();
            client.mutation(MutationOptions.<String, String, Void>builder(v -> {
                attempts1.incrementAndGet();
                throw new IllegalStateException("fail");
            }).mutationKey(key1).build()).mutate("x");
            client.mutation(MutationOptions.<String, String, Void>builder(v -> {
                attempts2.incrementAndGet();
                throw new IllegalStateException("fail");
            }).mutationKey(key2).build()).mutate("x");
            time.advance(ms(10));
            assertThat(attempts1).hasValue(2);
            assertThat(attempts2).hasValue(3);
        }
    }

    @Nested
    class QueryTests extends Base {

        // TanStack query.test.tsx: "should use the longest garbage collection time it has seen"
        @Test
        void shouldUseTheLongestGarbageCollectionTimeItHasSeen() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").gcTime(ms(100)).build()).join();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").gcTime(ms(200)).build()).join();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").gcTime(ms(10)).build()).join();
            // Adapted: the gcTime is not readable; it shows in when the query goes.
            time.advance(ms(199));
            assertThat(client.findAll(QueryFilter.exact(key))).hasSize(1);
            time.advance(ms(1));
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
        }

        // TanStack query.test.tsx: "should not continue if explicitly cancelled"
        @Test
        void shouldNotContinueIfExplicitlyCancelled() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<String> promise = client.fetchFreshQuery(QueryOptions.async(key, ctx -> {
                calls.incrementAndGet();
                return this.<String>rejectAfter(10, new IllegalStateException());
            }).retry(3).retryDelay(RetryDelay.fixed(ms(10))).build());
            client.cancelQueries(QueryFilter.exact(key));
            time.advance(ms(100));
            assertThat(calls).hasValue(1);
            assertThat(failureOf(promise)).isInstanceOf(CancellationException.class);
        }

        // TanStack query.test.tsx: "should not error if reset while pending"
        @Test
        void shouldNotErrorIfResetWhilePending() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<String> promise = client.fetchFreshQuery(QueryOptions.async(key, ctx -> {
                calls.incrementAndGet();
                return this.<String>rejectAfter(10, new IllegalStateException());
            }).retry(3).retryDelay(RetryDelay.fixed(ms(10))).build());
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.PENDING);
            client.resetQueries(QueryFilter.exact(key));
            time.advance(ms(100));
            assertThat(calls).hasValue(1);
            QueryState<String> state = state(key);
            assertThat(state.error()).isNull();
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
            assertThat(state.data()).isNull();
            assertThat(failureOf(promise)).isInstanceOf(CancellationException.class);
        }

        // TanStack query.test.tsx: "should be able to refetch a cancelled query"
        @Test
        void shouldBeAbleToRefetchACancelledQuery() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            AsyncQueryFunction<String> queryFn = ctx -> {
                calls.incrementAndGet();
                return sleep(50, () -> "data");
            };
            client.prefetchQuery(QueryOptions.async(key, queryFn).build());
            time.advance(ms(10));
            client.cancelQueries(QueryFilter.exact(key));
            time.advance(ms(100));
            assertThat(calls).hasValue(1);
            // Differs on purpose: cancelling goes through cancelQueries, which puts the state back as it was
            // (TanStack's query.cancel() without revert stores a CancelledError as the query's error).
            assertThat(this.<String>state(key).error()).isNull();
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.IDLE);
            CompletableFuture<String> result = client.fetchFreshQuery(QueryOptions.async(key, queryFn).build());
            time.advance(ms(50));
            assertThat(result).isCompletedWithValue("data");
            assertThat(this.<String>state(key).error()).isNull();
            assertThat(calls).hasValue(2);
        }

        // TanStack query.test.tsx: "cancelling a resolved query should not have any effect"
        @Test
        void cancellingAResolvedQueryShouldNotHaveAnyEffect() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            client.cancelQueries(QueryFilter.exact(key));
            time.advance(ms(10));
            assertThat(this.<String>state(key).data()).isEqualTo("data");
        }

        // TanStack query.test.tsx: "cancelling a rejected query should not have any effect"
        @Test
        void cancellingARejectedQueryShouldNotHaveAnyEffect() {
            QueryKey key = queryKey();
            IllegalStateException error = new IllegalStateException("error");
            client.prefetchQuery(QueryOptions.async(key, ctx -> CompletableFuture.<String>failedFuture(error))
                    .retry(0).build()).join();
            client.cancelQueries(QueryFilter.exact(key));
            time.advance(ms(10));
            assertThat(this.<String>state(key).error()).isSameAs(error).isNotInstanceOf(CancellationException.class);
        }

        // TanStack query.test.tsx: "the previous query status should be kept when refetching"
        @Test
        void thePreviousQueryStatusShouldBeKeptWhenRefetching() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.SUCCESS);
            client.prefetchQuery(QueryOptions.<String>builder(key, ctx -> {
                throw new IllegalStateException("reject");
            }).retry(0).build()).join();
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.ERROR);
            client.prefetchQuery(QueryOptions.async(key, ctx -> this.<String>rejectAfter(10,
                    new IllegalStateException("reject"))).retry(0).build());
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.ERROR);
            assertThat(this.<String>state(key).fetchStatus()).isEqualTo(FetchStatus.FETCHING);
            time.advance(ms(10));
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.ERROR);
        }

        // TanStack query.test.tsx: "queries with gcTime 0 should be removed immediately after unsubscribing"
        @Test
        void queriesWithGcTime0ShouldBeRemovedImmediatelyAfterUnsubscribing() {
            QueryKey key = queryKey();
            AtomicInteger count = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(key, counting(count, "data"))
                    .gcTime(Duration.ZERO).staleTime(INFINITY).build());
            Subscription unsubscribe1 = observer.subscribe(r -> { });
            unsubscribe1.unsubscribe();
            time.advance(Duration.ZERO);
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            Subscription unsubscribe2 = observer.subscribe(r -> { });
            unsubscribe2.unsubscribe();
            time.advance(Duration.ZERO);
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            // Differs on purpose: TanStack's observer keeps the removed query object and finds its data there; a
            // StackQuery observer attaches to the key again, whose data left with the query, so its first
            // subscriber fetches (QueryObserver: "the first subscriber also starts a fetch if the data is missing").
            assertThat(count).hasValue(2);
        }

        // TanStack query.test.tsx: "should be garbage collected when unsubscribed to"
        @Test
        void shouldBeGarbageCollectedWhenUnsubscribedTo() {
            QueryKey key = queryKey();
            QueryObserver<String> observer = client.watch(QueryOptions.async(key, ctx -> sleep(0, () -> "data"))
                    .gcTime(Duration.ZERO).build());
            // Differs on purpose: watch() is lazy, the query exists from the first subscribe on (TanStack's
            // observer constructor builds it).
            assertThat(client.getQueryState(key)).isEmpty();
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(this.<String>state(key).status()).isEqualTo(QueryStatus.PENDING);
            unsubscribe.unsubscribe();
            time.advance(Duration.ZERO);
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
        }

        // TanStack query.test.tsx: "should be garbage collected later when unsubscribed and query is fetching"
        @Test
        void shouldBeGarbageCollectedLaterWhenUnsubscribedAndQueryIsFetching() {
            QueryKey key = queryKey();
            QueryObserver<String> observer = client.watch(QueryOptions.async(key, ctx -> sleep(20, () -> "data"))
                    .gcTime(ms(10)).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            time.advance(ms(20));
            assertThat(client.<String>getQueryData(key)).contains("data");
            observer.refetch();
            unsubscribe.unsubscribe();
            // Not removed although gcTime has elapsed, because the query is still fetching.
            time.advance(ms(19));
            assertThat(client.<String>getQueryData(key)).contains("data");
            time.advance(ms(11));
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
        }

        // TanStack query.test.tsx: "should not be garbage collected unless there are no subscribers"
        @Test
        void shouldNotBeGarbageCollectedUnlessThereAreNoSubscribers() {
            QueryKey key = queryKey();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(key, ctx -> "data")
                    .gcTime(Duration.ZERO).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            time.advance(ms(100));
            assertThat(client.<String>getQueryData(key)).contains("data");
            unsubscribe.unsubscribe();
            time.advance(ms(100));
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            client.setQueryData(key, "data");
            time.advance(ms(100));
            assertThat(client.<String>getQueryData(key)).contains("data");
        }

        // TanStack query.test.tsx: "should return proper count of observers"
        @Test
        void shouldReturnProperCountOfObservers() {
            QueryKey key = queryKey();
            QueryOptions<String> options = QueryOptions.builder(key, ctx -> "data").build();
            QueryObserver<String> observer = client.watch(options);
            QueryObserver<String> observer2 = client.watch(options);
            QueryObserver<String> observer3 = client.watch(options);
            // Differs on purpose: watch() is lazy, so there is no query (TanStack: one with 0 observers).
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            Subscription unsubscribe1 = observer.subscribe(r -> { });
            Subscription unsubscribe2 = observer2.subscribe(r -> { });
            Subscription unsubscribe3 = observer3.subscribe(r -> { });
            assertThat(observerCount(key)).isEqualTo(3);
            unsubscribe3.unsubscribe();
            assertThat(observerCount(key)).isEqualTo(2);
            unsubscribe2.unsubscribe();
            assertThat(observerCount(key)).isEqualTo(1);
            unsubscribe1.unsubscribe();
            assertThat(observerCount(key)).isZero();
        }

        // TanStack query.test.tsx: "should not change state on invalidate() if already invalidated"
        @Test
        void shouldNotChangeStateOnInvalidateIfAlreadyInvalidated() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.builder(key, ctx -> "data").build()).join();
            client.invalidateQueries(QueryFilter.exact(key)).join();
            assertThat(this.<String>state(key).invalidated()).isTrue();
            QueryState<String> previousState = state(key);
            client.invalidateQueries(QueryFilter.exact(key)).join();
            assertThat(this.<String>state(key)).isSameAs(previousState);
        }

        // TanStack query.test.tsx: "fetch should not dispatch "fetch" query is already fetching"
        @Test
        void fetchShouldNotDispatchFetchQueryIsAlreadyFetching() {
            QueryKey key = queryKey();
            QueryOptions<String> options = QueryOptions.async(key, ctx -> sleep(10, () -> "data")).build();
            client.prefetchQuery(options);
            time.advance(ms(10));
            FakeTime.Recorder updates = new FakeTime.Recorder();
            client.addListener(updates);
            client.fetchFreshQuery(options);
            client.fetchFreshQuery(options);
            time.advance(ms(10));
            assertThat(updates.of(QueryCacheEvent.Updated.class)).extracting(e -> e.state().fetchStatus())
                    .containsExactly(FetchStatus.FETCHING, FetchStatus.IDLE);
        }

        // TanStack query.test.tsx: "fetch should dispatch an error if the queryFn returns undefined"
        @Test
        void fetchShouldDispatchAnErrorIfTheQueryFnReturnsUndefined() {
            QueryKey key = queryKey();
            QueryObserver<String> observer = client.watch(QueryOptions.<String>builder(key, ctx -> null).retry(0)
                    .build());
            AtomicReference<QueryResult<String>> observerResult = new AtomicReference<>();
            Subscription unsubscribe = observer.subscribe(observerResult::set);
            time.advance(ms(10));
            assertThat(observerResult.get().isError()).isTrue();
            assertThat(observerResult.get().error()).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("returned null");
            unsubscribe.unsubscribe();
        }

        // TanStack query.test.tsx: "should not retry on the server"
        @Test
        void shouldNotRetryOnTheServer() {
            AtomicInteger count = new AtomicInteger();
            QueryFunction<String> failing = ctx -> {
                count.incrementAndGet();
                throw new IllegalStateException("error");
            };
            // Differs on purpose: StackQuery runs on servers and retries 3 times by default; retry(0) gives
            // TanStack's server default.
            CompletableFuture<String> byDefault = client.watch(QueryOptions.builder(queryKey(), failing).build())
                    .refetch();
            time.advance(Duration.ofMinutes(1));
            assertThat(failureOf(byDefault)).isInstanceOf(QueryFetchException.class);
            assertThat(count).hasValue(4);

            count.set(0);
            CompletableFuture<String> serverDefault = client.watch(QueryOptions.builder(queryKey(), failing)
                    .retry(0).build()).refetch();
            assertThat(failureOf(serverDefault)).isInstanceOf(QueryFetchException.class);
            assertThat(count).hasValue(1);
        }

        // TanStack query.test.tsx: "queries should be garbage collected even if they never fetched"
        @Test
        void queriesShouldBeGarbageCollectedEvenIfTheyNeverFetched() {
            QueryKey key = queryKey();
            FakeTime.Recorder fn = new FakeTime.Recorder();
            // Adapted: no setQueryDefaults per key; a client whose default gcTime is 10 ms.
            try (QueryClient shortLived = QueryClient.builder().clock(time.clock()).scheduler(time)
                    .executor(Runnable::run).defaults(QueryDefaults.builder().gcTime(ms(10)).build())
                    .listener(fn).build()) {
                shortLived.setQueryData(key, "data");
                time.advance(ms(10));
                assertThat(fn.all()).last().isEqualTo(new QueryCacheEvent.Evicted(key,
                        QueryCacheEvent.EvictionCause.GC));
                assertThat(shortLived.findAll(QueryFilter.all())).isEmpty();
            }
        }

        // TanStack query.test.tsx: "should not reject a promise when silently cancelled in the background"
        @Test
        void shouldNotRejectAPromiseWhenSilentlyCancelledInTheBackground() {
            QueryKey key = queryKey();
            AtomicInteger x = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            client.setQueryData(key, "initial");
            AsyncQueryFunction<String> queryFn = ctx -> {
                calls.incrementAndGet();
                return sleep(100, () -> "data" + x.get());
            };
            CompletableFuture<String> promise = client.fetchFreshQuery(QueryOptions.async(key, queryFn).build());
            time.advance(Duration.ZERO);
            assertThat(calls).hasValue(1);
            x.set(1);
            // cancel ongoing re-fetches
            client.refetchQueries(QueryFilter.exact(key), RefetchOptions.of(RefetchType.ALL).withCancelRefetch(true));
            // The promise should not reject
            time.advance(ms(100));
            assertThat(promise).succeedsWithin(Duration.ZERO).isEqualTo("data1");
            assertThat(calls).hasValue(2);
        }
    }

    @Nested
    class QueryObserverTests extends Base {

        // TanStack queryObserver.test.tsx: "should trigger a fetch when subscribed"
        @Test
        void shouldTriggerAFetchWhenSubscribed() {
            AtomicInteger calls = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(queryKey(), counting(calls, "data"))
                    .build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            unsubscribe.unsubscribe();
            assertThat(calls).hasValue(1);
        }

        // TanStack queryObserver.test.tsx: "should go through a pending state even when the queryFn returns synchronously"
        @Test
        void shouldGoThroughAPendingStateEvenWhenTheQueryFnReturnsSynchronously() {
            AtomicInteger calls = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(queryKey(), counting(calls, "data"))
                    .build());
            List<QueryResult<String>> results = new ArrayList<>();
            Subscription unsubscribe = observer.subscribe(results::add);
            assertThat(calls).hasValue(1);
            // Differs on purpose: with a same-thread executor the function has returned before subscribe does, so
            // the current result is already the success; the pending state still reaches the listener first.
            assertThat(afterFirst(results)).extracting(Base::story)
                    .containsExactly("PENDING/FETCHING/null", "SUCCESS/IDLE/data");
            time.advance(Duration.ZERO);
            assertThat(story(observer.getCurrentResult())).isEqualTo("SUCCESS/IDLE/data");
            unsubscribe.unsubscribe();
        }

        // TanStack queryObserver.test.tsx: "should be able to read latest data after subscribing"
        @Test
        void shouldBeAbleToReadLatestDataAfterSubscribing() {
            QueryKey key = queryKey();
            client.setQueryData(key, "data");
            QueryObserver<String> observer = client.watch(QueryOptions.<String>builder(key, ctx -> {
                throw new AssertionError("a disabled observer does not fetch");
            }).enabled(false).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(observer.getCurrentResult().status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(observer.getCurrentResult().data()).isEqualTo("data");
            unsubscribe.unsubscribe();
        }

        // TanStack's describe('enabled is a callback that initially returns false'): enabled is a flag here.
        private final AtomicInteger count = new AtomicInteger();

        private QueryObserver<String> initiallyDisabled(QueryKey key) {
            return client.watch(QueryOptions.async(key, ctx -> sleep(10, () -> {
                count.incrementAndGet();
                return "data";
            })).staleTime(INFINITY).enabled(false).build());
        }

        // TanStack queryObserver.test.tsx: "should not fetch on mount"
        @Test
        void shouldNotFetchOnMount() {
            QueryObserver<String> observer = initiallyDisabled(queryKey());
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(count).hasValue(0);
            // Differs on purpose: no data and never fetched is IDLE (TanStack: 'pending' with fetchStatus 'idle').
            assertThat(story(observer.getCurrentResult())).isEqualTo("IDLE/IDLE/null");
            unsubscribe.unsubscribe();
        }

        // TanStack queryObserver.test.tsx: "should still trigger a fetch when refetch is called"
        @Test
        void shouldStillTriggerAFetchWhenRefetchIsCalled() {
            QueryObserver<String> observer = initiallyDisabled(queryKey());
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(observer.isEnabled()).isFalse();
            observer.refetch();
            assertThat(story(observer.getCurrentResult())).isEqualTo("PENDING/FETCHING/null");
            time.advance(ms(10));
            assertThat(count).hasValue(1);
            assertThat(story(observer.getCurrentResult())).isEqualTo("SUCCESS/IDLE/data");
            unsubscribe.unsubscribe();
        }

        // TanStack queryObserver.test.tsx: "should fetch if unsubscribed, then enabled returns true, and then re-subscribed"
        @Test
        void shouldFetchIfUnsubscribedThenEnabledReturnsTrueAndThenReSubscribed() {
            QueryObserver<String> observer = initiallyDisabled(queryKey());
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(story(observer.getCurrentResult())).isEqualTo("IDLE/IDLE/null");
            unsubscribe.unsubscribe();
            observer.setEnabled(true);
            unsubscribe = observer.subscribe(r -> { });
            assertThat(story(observer.getCurrentResult())).isEqualTo("PENDING/FETCHING/null");
            time.advance(ms(10));
            assertThat(count).hasValue(1);
            unsubscribe.unsubscribe();
        }

        // TanStack queryObserver.test.tsx: "should be able to read latest data when re-subscribing (but not re-fetching)"
        @Test
        void shouldBeAbleToReadLatestDataWhenReSubscribingButNotReFetching() {
            AtomicInteger count = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.async(queryKey(), ctx -> sleep(10, () -> {
                count.incrementAndGet();
                return "data";
            })).staleTime(INFINITY).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            // unsubscribe before data comes in
            unsubscribe.unsubscribe();
            assertThat(count).hasValue(0);
            assertThat(story(observer.getCurrentResult())).isEqualTo("PENDING/FETCHING/null");
            time.advance(ms(10));
            assertThat(count).hasValue(1);
            // re-subscribe after data comes in
            unsubscribe = observer.subscribe(r -> { });
            assertThat(observer.getCurrentResult().status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(observer.getCurrentResult().data()).isEqualTo("data");
            time.advance(ms(10));
            assertThat(count).hasValue(1);
            unsubscribe.unsubscribe();
        }

        // TanStack queryObserver.test.tsx: "should be able to fetch with a selector"
        @Test
        void shouldBeAbleToFetchWithASelector() {
            QueryObserver<MyCount> observer = client.watch(QueryOptions.builder(queryKey(), ctx -> new Count(1))
                    .build(), data -> new MyCount(data.count()));
            AtomicReference<QueryResult<MyCount>> observerResult = new AtomicReference<>();
            Subscription unsubscribe = observer.subscribe(observerResult::set);
            time.advance(Duration.ZERO);
            unsubscribe.unsubscribe();
            assertThat(observerResult.get().data()).isEqualTo(new MyCount(1));
        }

        // TanStack queryObserver.test.tsx: "should be able to fetch with a selector using the fetch method"
        @Test
        void shouldBeAbleToFetchWithASelectorUsingTheFetchMethod() {
            QueryObserver<MyCount> observer = client.watch(QueryOptions.builder(queryKey(), ctx -> new Count(1))
                    .build(), data -> new MyCount(data.count()));
            assertThat(observer.refetch().join()).isEqualTo(new MyCount(1));
        }

        // TanStack queryObserver.test.tsx: "should run the selector again if the data changed"
        @Test
        void shouldRunTheSelectorAgainIfTheDataChanged() {
            AtomicInteger count = new AtomicInteger();
            QueryObserver<MyCount> observer = client.watch(QueryOptions.builder(queryKey(),
                    ctx -> new Count(count.get())).build(), data -> {
                        count.incrementAndGet();
                        return new MyCount(data.count());
                    });
            MyCount observerResult1 = observer.refetch().join();
            MyCount observerResult2 = observer.refetch().join();
            assertThat(count).hasValue(2);
            assertThat(observerResult1).isEqualTo(new MyCount(0));
            assertThat(observerResult2).isEqualTo(new MyCount(1));
        }

        // TanStack queryObserver.test.tsx: "should not run the selector again if the data and selector did not change"
        @Test
        void shouldNotRunTheSelectorAgainIfTheDataAndSelectorDidNotChange() {
            AtomicInteger count = new AtomicInteger();
            // Adapted: TanStack's structural sharing keeps the refetched, equal data as the same object; here the
            // function returns the same object. (No setOptions: the observer's options never change.)
            Count data = new Count(1);
            Function<Count, MyCount> select = d -> {
                count.incrementAndGet();
                return new MyCount(d.count());
            };
            QueryObserver<MyCount> observer = client.watch(QueryOptions.builder(queryKey(), ctx -> data).build(),
                    select);
            List<QueryResult<MyCount>> results = new ArrayList<>();
            Subscription unsubscribe = observer.subscribe(results::add);
            time.advance(Duration.ZERO);
            observer.refetch().join();
            unsubscribe.unsubscribe();
            assertThat(count).hasValue(1);
            assertThat(afterFirst(results)).extracting(Base::story).containsExactly(
                    "PENDING/FETCHING/null",
                    "SUCCESS/IDLE/MyCount[myCount=1]",
                    "SUCCESS/FETCHING/MyCount[myCount=1]",
                    "SUCCESS/IDLE/MyCount[myCount=1]");
        }

        // TanStack queryObserver.test.tsx: "should return stale data if selector throws an error"
        @Test
        void shouldReturnStaleDataIfSelectorThrowsAnError() {
            AtomicBoolean shouldError = new AtomicBoolean();
            IllegalStateException error = new IllegalStateException("select error");
            QueryObserver<String> observer = client.watch(QueryOptions.async(queryKey(),
                    ctx -> sleep(10, () -> shouldError.get() ? 2 : 1)).retry(0).build(), num -> {
                        if (shouldError.get()) {
                            throw error;
                        }
                        shouldError.set(true);
                        return String.valueOf(num);
                    });
            List<QueryResult<String>> results = new ArrayList<>();
            Subscription unsubscribe = observer.subscribe(results::add);
            time.advance(ms(10));
            observer.refetch();
            time.advance(ms(10));
            unsubscribe.unsubscribe();
            List<QueryResult<String>> heard = afterFirst(results);
            assertThat(heard).hasSizeGreaterThanOrEqualTo(4);
            assertThat(story(heard.get(0))).isEqualTo("PENDING/FETCHING/null");
            assertThat(heard.get(0).error()).isNull();
            assertThat(story(heard.get(1))).isEqualTo("SUCCESS/IDLE/1");
            assertThat(heard.get(1).error()).isNull();
            assertThat(story(heard.get(2))).isEqualTo("SUCCESS/FETCHING/1");
            assertThat(heard.get(2).error()).isNull();
            assertThat(story(heard.get(3))).isEqualTo("ERROR/IDLE/1");
            assertThat(heard.get(3).error()).isSameAs(error);
        }

        // TanStack queryObserver.test.tsx: "should not trigger a fetch when subscribed and disabled"
        @Test
        void shouldNotTriggerAFetchWhenSubscribedAndDisabled() {
            AtomicInteger calls = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(queryKey(), counting(calls, "data"))
                    .enabled(false).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            time.advance(Duration.ZERO);
            unsubscribe.unsubscribe();
            assertThat(calls).hasValue(0);
        }

        // TanStack queryObserver.test.tsx: "should not trigger a fetch when not subscribed"
        @Test
        void shouldNotTriggerAFetchWhenNotSubscribed() {
            AtomicInteger calls = new AtomicInteger();
            client.watch(QueryOptions.builder(queryKey(), counting(calls, "data")).build());
            time.advance(Duration.ZERO);
            assertThat(calls).hasValue(0);
        }

        // TanStack queryObserver.test.tsx: "should be able to watch a query without defining a query function"
        @Test
        void shouldBeAbleToWatchAQueryWithoutDefiningAQueryFunction() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger observerFunctionCalls = new AtomicInteger();
            // Adapted: options always carry a function; the observer's is never called here.
            QueryObserver<String> observer = client.watch(QueryOptions.builder(key,
                    counting(observerFunctionCalls, "unused")).enabled(false).build());
            List<QueryResult<String>> callback = new ArrayList<>();
            Subscription unsubscribe = observer.subscribe(callback::add);
            client.fetchFreshQuery(QueryOptions.builder(key, counting(calls, "data")).build()).join();
            time.advance(Duration.ZERO);
            unsubscribe.unsubscribe();
            assertThat(calls).hasValue(1);
            assertThat(observerFunctionCalls).hasValue(0);
            // Differs on purpose: subscribe hands the listener the current result at once (QueryObserver); the
            // changes TanStack counts come after it.
            assertThat(afterFirst(callback)).hasSize(2);
        }

        // TanStack queryObserver.test.tsx: "should be able to handle multiple subscribers"
        @Test
        void shouldBeAbleToHandleMultipleSubscribers() {
            QueryKey key = queryKey();
            AtomicInteger calls = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(key, counting(calls, "data"))
                    .enabled(false).build());
            List<QueryResult<String>> results1 = new ArrayList<>();
            List<QueryResult<String>> results2 = new ArrayList<>();
            Subscription unsubscribe1 = observer.subscribe(results1::add);
            Subscription unsubscribe2 = observer.subscribe(results2::add);
            client.fetchFreshQuery(QueryOptions.builder(key, counting(calls, "data")).build()).join();
            time.advance(Duration.ZERO);
            unsubscribe1.unsubscribe();
            unsubscribe2.unsubscribe();
            assertThat(calls).hasValue(1);
            // The current result handed at subscribe comes first (QueryObserver.subscribe), then the changes.
            assertThat(afterFirst(results1)).extracting(QueryResult::data).containsExactly(null, "data");
            assertThat(afterFirst(results2)).extracting(QueryResult::data).containsExactly(null, "data");
        }

        // TanStack queryObserver.test.tsx: "should stop retry when unsubscribing"
        @Test
        void shouldStopRetryWhenUnsubscribing() {
            AtomicInteger count = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.<String>builder(queryKey(), ctx -> {
                count.incrementAndGet();
                throw new IllegalStateException("reject");
            }).retry(10).retryDelay(RetryDelay.fixed(ms(50))).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            time.advance(ms(50));
            unsubscribe.unsubscribe();
            time.advance(ms(50));
            assertThat(count).hasValue(2);
        }

        // TanStack queryObserver.test.tsx: "should clear interval when unsubscribing to a refetchInterval query"
        @Test
        void shouldClearIntervalWhenUnsubscribingToARefetchIntervalQuery() {
            QueryKey key = queryKey();
            AtomicInteger count = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.builder(key, counting(count, "data"))
                    .gcTime(Duration.ZERO).refetchInterval(ms(10)).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            assertThat(count).hasValue(1);
            time.advance(ms(10));
            assertThat(count).hasValue(2);
            unsubscribe.unsubscribe();
            time.advance(ms(10));
            assertThat(client.findAll(QueryFilter.exact(key))).isEmpty();
            assertThat(count).hasValue(2);
        }

        // TanStack queryObserver.test.tsx: "should use placeholderData as non-cache data when pending a query with no data"
        @Test
        void shouldUsePlaceholderDataAsNonCacheDataWhenPendingAQueryWithNoData() {
            QueryKey key = queryKey();
            List<CompletableFuture<String>> pending = new ArrayList<>();
            QueryObserver<String> observer = client.watch(QueryOptions.async(key, ctx -> {
                CompletableFuture<String> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            }).placeholderData("placeholder").build());
            assertThat(observer.getCurrentResult().status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(observer.getCurrentResult().data()).isEqualTo("placeholder");
            List<QueryResult<String>> results = new ArrayList<>();
            Subscription unsubscribe = observer.subscribe(results::add);
            assertThat(client.getQueryData(key)).as("the placeholder is not cached").isEmpty();
            pending.get(0).complete("data");
            time.advance(Duration.ZERO);
            unsubscribe.unsubscribe();
            // After the current result handed at subscribe (QueryObserver.subscribe):
            assertThat(afterFirst(results)).extracting(r -> r.status() + "/" + r.data())
                    .containsExactly("SUCCESS/placeholder", "SUCCESS/data");
        }

        // TanStack queryObserver.test.tsx: "should not be stale for disabled observers"
        @Test
        void shouldNotBeStaleForDisabledObservers() {
            QueryObserver<String> observer = client.watch(QueryOptions.builder(queryKey(), ctx -> "data")
                    .enabled(false).build());
            QueryResult<String> result = observer.getCurrentResult();
            assertThat(result.isStale()).isFalse();
        }

        // TanStack queryObserver.test.tsx: "should clear the select error when the query is reset"
        @Test
        void shouldClearTheSelectErrorWhenTheQueryIsReset() {
            QueryKey key = queryKey();
            AtomicBoolean shouldThrow = new AtomicBoolean(true);
            QueryObserver<Count> observer = client.watch(QueryOptions.async(key,
                    ctx -> sleep(10, () -> new Count(1))).build(), data -> {
                        if (shouldThrow.get()) {
                            throw new IllegalStateException("selector error");
                        }
                        return data;
                    });
            Subscription unsubscribe = observer.subscribe(r -> { });
            time.advance(ms(10));
            assertThat(observer.getCurrentResult().status()).isEqualTo(QueryStatus.ERROR);
            shouldThrow.set(false);
            client.resetQueries(QueryFilter.prefix(key));
            QueryResult<Count> afterReset = observer.getCurrentResult();
            assertThat(afterReset.status()).isEqualTo(QueryStatus.PENDING);
            assertThat(afterReset.data()).isNull();
            assertThat(afterReset.error()).isNull();
            time.advance(ms(10));
            unsubscribe.unsubscribe();
            QueryResult<Count> last = observer.getCurrentResult();
            assertThat(last.status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(last.data()).isEqualTo(new Count(1));
            assertThat(last.error()).isNull();
        }

        // TanStack queryObserver.test.tsx: "should not be re-fetched when invalidated with refetchType: all"
        @Test
        void shouldNotBeReFetchedWhenInvalidatedWithRefetchTypeAll() {
            QueryKey key = queryKey();
            AtomicInteger count = new AtomicInteger();
            QueryObserver<String> observer = client.watch(QueryOptions.async(key, ctx -> sleep(10, () -> {
                count.incrementAndGet();
                return "data";
            })).staleTime(INFINITY).enabled(false).build());
            Subscription unsubscribe = observer.subscribe(r -> { });
            client.invalidateQueries(QueryFilter.prefix(key), RefetchOptions.of(RefetchType.ALL));
            // So we still expect it to not have fetched and not be fetching
            assertThat(count).hasValue(0);
            // Differs on purpose: no data and never fetched is IDLE (TanStack: 'pending', fetchStatus 'idle').
            assertThat(story(observer.getCurrentResult())).isEqualTo("IDLE/IDLE/null");
            time.advance(ms(10));
            assertThat(count).hasValue(0);
            unsubscribe.unsubscribe();
        }
    }

    @Nested
    class QueryCacheTests extends Base {

        // TanStack queryCache.test.tsx: "should pass the correct query"
        @Test
        void shouldPassTheCorrectQuery() {
            QueryKey key = queryKey();
            FakeTime.Recorder subscriber = new FakeTime.Recorder();
            Subscription unsubscribe = client.addListener(subscriber);
            client.setQueryData(key, "foo");
            assertThat(subscriber.all()).first().isEqualTo(new QueryCacheEvent.Added(key));
            unsubscribe.unsubscribe();
        }

        // TanStack queryCache.test.tsx: "should notify listeners when new query is added"
        @Test
        void shouldNotifyListenersWhenNewQueryIsAdded() {
            QueryKey key = queryKey();
            FakeTime.Recorder callback = new FakeTime.Recorder();
            client.addListener(callback);
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(100, () -> "data")).build());
            time.advance(ms(100));
            assertThat(callback.all()).first().isEqualTo(new QueryCacheEvent.Added(key));
        }

        // TanStack queryCache.test.tsx: "should notify subscribers when new query with initialData is added"
        @Test
        void shouldNotifySubscribersWhenNewQueryWithInitialDataIsAdded() {
            QueryKey key = queryKey();
            FakeTime.Recorder callback = new FakeTime.Recorder();
            client.addListener(callback);
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(100, () -> "data")).initialData("initial")
                    .build());
            time.advance(ms(100));
            assertThat(callback.all()).first().isEqualTo(new QueryCacheEvent.Added(key));
        }

        // TanStack queryCache.test.tsx: "should be able to limit cache size"
        @Test
        void shouldBeAbleToLimitCacheSize() {
            // Adapted: the listener removes, through the client, the inactive queries other than the added one.
            client.addListener(event -> {
                if (event instanceof QueryCacheEvent.Added added && client.size() > 2) {
                    client.removeQueries(QueryFilter.where(q -> !q.isActive() && !q.key().equals(added.key())));
                }
            });
            client.prefetchQuery(QueryOptions.async(queryKey(), ctx -> sleep(100, () -> "data1")).build());
            assertThat(client.findAll(QueryFilter.all())).hasSize(1);
            client.prefetchQuery(QueryOptions.async(queryKey(), ctx -> sleep(100, () -> "data2")).build());
            assertThat(client.findAll(QueryFilter.all())).hasSize(2);
            client.prefetchQuery(QueryOptions.async(queryKey(), ctx -> sleep(100, () -> "data3")).build());
            time.advance(ms(100));
            assertThat(client.findAll(QueryFilter.all())).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("data3"));
        }

        // TanStack queryCache.test.tsx: "find should filter correctly"
        @Test
        void findShouldFilterCorrectly() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(100, () -> "data1")).build());
            time.advance(ms(100));
            assertThat(client.findAll(QueryFilter.exact(key))).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("data1"));
        }

        // TanStack queryCache.test.tsx: "find should filter correctly with exact set to false"
        @Test
        void findShouldFilterCorrectlyWithExactSetToFalse() {
            QueryKey key = queryKey();
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(100, () -> "data1")).build());
            time.advance(ms(100));
            assertThat(client.findAll(QueryFilter.prefix(key))).singleElement()
                    .satisfies(q -> assertThat(q.state().data()).isEqualTo("data1"));
        }

        // TanStack queryCache.test.tsx: "should filter correctly"
        @Test
        void shouldFilterCorrectly() {
            QueryKey key1 = queryKey();
            QueryKey key2 = queryKey();
            QueryKey keyFetching = queryKey();
            QueryKey key3 = QueryKey.of(Map.of("a", "a", "b", "b"));
            QueryKey key4 = QueryKey.of("posts", 1);
            client.prefetchQuery(QueryOptions.async(key1, ctx -> sleep(100, () -> "data1")).build());
            client.prefetchQuery(QueryOptions.async(key2, ctx -> sleep(100, () -> "data2")).build());
            client.prefetchQuery(QueryOptions.async(key3, ctx -> sleep(100, () -> "data3")).build());
            client.prefetchQuery(QueryOptions.async(key4, ctx -> sleep(100, () -> "data4")).build());
            time.advance(ms(100));
            client.invalidateQueries(QueryFilter.prefix(key2));
            Predicate<QuerySnapshot> active = QuerySnapshot::isActive;
            Predicate<QuerySnapshot> stale = QuerySnapshot::stale;

            assertThat(keys(QueryFilter.prefix(key1))).containsExactly(key1);
            // wrapping in an extra list does not match: the key's single part is then a list
            assertThat(keys(QueryFilter.prefix(QueryKey.of(key1.parts())))).isEmpty();
            assertThat(keys(QueryFilter.all())).containsExactlyInAnyOrder(key1, key2, key3, key4);
            assertThat(keys(and(QueryFilter.prefix(key1), active.negate()))).containsExactly(key1);
            assertThat(keys(and(QueryFilter.prefix(key1), active))).isEmpty();
            assertThat(keys(and(QueryFilter.prefix(key1), stale))).isEmpty();
            assertThat(keys(and(QueryFilter.prefix(key1), stale.negate()))).containsExactly(key1);
            assertThat(keys(and(QueryFilter.prefix(key1), stale.negate().and(active)))).isEmpty();
            assertThat(keys(and(QueryFilter.prefix(key1), stale.negate().and(active.negate()))))
                    .containsExactly(key1);
            assertThat(keys(and(QueryFilter.exact(key1), stale.negate().and(active.negate()))))
                    .containsExactly(key1);

            assertThat(keys(QueryFilter.prefix(key2))).containsExactly(key2);
            assertThat(keys(and(QueryFilter.prefix(key2), stale))).containsExactly(key2);
            assertThat(keys(and(QueryFilter.prefix(key2), stale.negate()))).isEmpty();
            // Map parts: the whole-part cases here; matching part of a map's entries is QueryFilter.partial.
            assertThat(keys(QueryFilter.exact(QueryKey.of(Map.of("a", "a", "b", "b"))))).containsExactly(key3);
            assertThat(keys(QueryFilter.prefix(QueryKey.of(Map.of("a", "a", "b", "b"))))).containsExactly(key3);
            assertThat(keys(QueryFilter.prefix(QueryKey.of(Map.of("a", "a", "b", "b", "c", "c"))))).isEmpty();
            assertThat(keys(QueryFilter.where(q -> q.key().equals(key3)))).containsExactly(key3);
            assertThat(keys(QueryFilter.prefix("posts"))).containsExactly(key4);

            assertThat(keys(QueryFilter.where(q -> q.state().fetchStatus() == FetchStatus.IDLE)))
                    .containsExactlyInAnyOrder(key1, key2, key3, key4);
            assertThat(keys(QueryFilter.prefix(key2))).containsExactly(key2);

            client.prefetchQuery(QueryOptions.async(keyFetching, ctx -> sleep(20, () -> "dataFetching")).build());
            assertThat(keys(QueryFilter.where(q -> q.state().fetchStatus() == FetchStatus.FETCHING)))
                    .containsExactly(keyFetching);
            time.advance(ms(20));
            assertThat(keys(QueryFilter.where(q -> q.state().fetchStatus() == FetchStatus.FETCHING))).isEmpty();
        }

        // TanStack queryCache.test.tsx: "should return all the queries when no filters are defined"
        @Test
        void shouldReturnAllTheQueriesWhenNoFiltersAreDefined() {
            client.prefetchQuery(QueryOptions.builder(queryKey(), ctx -> "data1").build()).join();
            client.prefetchQuery(QueryOptions.builder(queryKey(), ctx -> "data2").build()).join();
            assertThat(client.findAll(QueryFilter.all())).hasSize(2);
        }

        // TanStack queryCache.test.tsx: "should call onError and onSettled when a query errors"
        @Test
        void shouldCallOnErrorAndOnSettledWhenAQueryErrors() {
            QueryKey key = queryKey();
            IllegalStateException error = new IllegalStateException("error");
            List<Object> onSuccess = new ArrayList<>();
            List<Throwable> onError = new ArrayList<>();
            List<List<Object>> onSettled = new ArrayList<>();
            // Adapted: StackQuery has per-options callbacks and cache events, not QueryCache config callbacks.
            client.prefetchQuery(QueryOptions.async(key, ctx -> this.<String>rejectAfter(100, error)).retry(0)
                    .onSuccess(onSuccess::add).onError(onError::add)
                    .onSettled((data, e) -> onSettled.add(Arrays.asList(data, e))).build());
            time.advance(ms(100));
            assertThat(onError).containsExactly(error);
            assertThat(onSuccess).isEmpty();
            assertThat(onSettled).containsExactly(Arrays.asList(null, error));
            assertThat(events.of(QueryCacheEvent.FetchFailed.class)).singleElement()
                    .satisfies(e -> assertThat(e.error()).isSameAs(error));
        }

        // TanStack queryCache.test.tsx: "should call onSuccess and onSettled when a query is successful"
        @Test
        void shouldCallOnSuccessAndOnSettledWhenAQueryIsSuccessful() {
            QueryKey key = queryKey();
            Map<String, Integer> data = Map.of("data", 5);
            List<Object> onSuccess = new ArrayList<>();
            List<Throwable> onError = new ArrayList<>();
            List<List<Object>> onSettled = new ArrayList<>();
            // Adapted: StackQuery has per-options callbacks and cache events, not QueryCache config callbacks.
            client.prefetchQuery(QueryOptions.async(key, ctx -> sleep(100, () -> data))
                    .onSuccess(onSuccess::add).onError(onError::add)
                    .onSettled((d, e) -> onSettled.add(Arrays.asList(d, e))).build());
            time.advance(ms(100));
            assertThat(onSuccess).containsExactly(data);
            assertThat(onError).isEmpty();
            assertThat(onSettled).containsExactly(Arrays.asList(data, null));
            assertThat(events.of(QueryCacheEvent.FetchSucceeded.class)).singleElement()
                    .satisfies(e -> assertThat(e.key()).isEqualTo(key));
        }
    }

    @Nested
    class MutationsTests extends Base {

        // TanStack mutations.test.tsx: "mutate should accept null values"
        @Test
        void mutateShouldAcceptNullValues() {
            AtomicReference<Object> variables = new AtomicReference<>("unset");
            Mutation<Object, Object, Void> mutation = client.mutation(MutationOptions.<Object, Object, Void>async(
                    vars -> {
                        variables.set(vars);
                        return CompletableFuture.completedFuture(vars);
                    }).build());
            mutation.mutate(null);
            time.advance(Duration.ZERO);
            assertThat(variables.get()).isNull();
        }

        // TanStack mutations.test.tsx: "mutate update the mutation state even without an active subscription 1"
        @Test
        void mutateUpdateTheMutationStateEvenWithoutAnActiveSubscription1() {
            Mutation<String, String, Void> mutation = client.mutation(MutationOptions.<String, String, Void>async(
                    v -> CompletableFuture.completedFuture("update")).build());
            mutation.mutate("x");
            time.advance(Duration.ZERO);
            assertThat(mutation.getState().data()).isEqualTo("update");
        }

        // TanStack mutations.test.tsx: "should handle all sync callback patterns"
        @Test
        void shouldHandleAllSyncCallbackPatterns() {
            List<String> results = new ArrayList<>();
            client.mutation(MutationOptions.<String, String, Map<String, String>>async(
                    v -> CompletableFuture.completedFuture("success"))
                    .onMutate(v -> {
                        results.add("onMutate-sync");
                        return Map.of("backup", "data");
                    })
                    .onSuccess((data, v, ctx) -> results.add("onSuccess-implicit-void"))
                    .onError((error, v, ctx) -> results.add("onError-explicit-void"))
                    .onSettled((data, error, v, ctx) -> results.add("onSettled-return-value"))
                    .build()).mutate("vars");
            time.advance(Duration.ZERO);
            assertThat(results).containsExactly("onMutate-sync", "onSuccess-implicit-void",
                    "onSettled-return-value");
        }

        // TanStack mutations.test.tsx: "should handle error cases with all callback patterns"
        @Test
        void shouldHandleErrorCasesWithAllCallbackPatterns() {
            List<String> results = new ArrayList<>();
            IllegalStateException newMutationError = new IllegalStateException("mutation-error");
            // Adapted: callbacks are synchronous, so onError's clean-up runs inside it.
            CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Map<String, String>>async(
                    v -> CompletableFuture.<String>failedFuture(newMutationError))
                    .onMutate(v -> {
                        results.add("onMutate");
                        return Map.of("backup", "error-data");
                    })
                    .onSuccess((data, v, ctx) -> results.add("onSuccess-should-not-run"))
                    .onError((error, v, ctx) -> {
                        results.add("onError-async");
                        results.add("error-cleanup-1");
                        results.add("error-cleanup-2");
                    })
                    .onSettled((data, error, v, ctx) -> results.add("settled-error-" + ctx.get("backup")))
                    .build()).mutate("vars");
            time.advance(ms(30));
            assertThat(results).containsExactly("onMutate", "onError-async", "error-cleanup-1", "error-cleanup-2",
                    "settled-error-error-data");
            assertThat(failureOf(result)).isSameAs(newMutationError);
        }

        // TanStack mutationObserver.test.tsx: "mutation callbacks should be called in correct order with correct arguments for success case"
        @Test
        void mutationCallbacksShouldBeCalledInCorrectOrderWithCorrectArgumentsForSuccessCase() {
            List<List<Object>> onSuccess = new ArrayList<>();
            List<List<Object>> onSettled = new ArrayList<>();
            List<String> order = new ArrayList<>();
            client.mutation(MutationOptions.<String, String, Void>async(
                    text -> CompletableFuture.completedFuture(text.toUpperCase()))
                    .onSuccess((data, v, ctx) -> {
                        order.add("onSuccess");
                        onSuccess.add(Arrays.asList(data, v, ctx));
                    })
                    .onSettled((data, error, v, ctx) -> {
                        order.add("onSettled");
                        onSettled.add(Arrays.asList(data, error, v, ctx));
                    })
                    .build()).mutate("success");
            time.advance(Duration.ZERO);
            assertThat(order).containsExactly("onSuccess", "onSettled");
            assertThat(onSuccess).containsExactly(Arrays.asList("SUCCESS", "success", null));
            assertThat(onSettled).containsExactly(Arrays.asList("SUCCESS", null, "success", null));
        }

        // TanStack mutationObserver.test.tsx: "mutation callbacks should be called in correct order with correct arguments for error case"
        @Test
        void mutationCallbacksShouldBeCalledInCorrectOrderWithCorrectArgumentsForErrorCase() {
            IllegalStateException error = new IllegalStateException("error");
            List<List<Object>> onError = new ArrayList<>();
            List<List<Object>> onSettled = new ArrayList<>();
            List<String> order = new ArrayList<>();
            CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Void>async(
                    text -> CompletableFuture.<String>failedFuture(error))
                    .onError((e, v, ctx) -> {
                        order.add("onError");
                        onError.add(Arrays.asList(e, v, ctx));
                    })
                    .onSettled((data, e, v, ctx) -> {
                        order.add("onSettled");
                        onSettled.add(Arrays.asList(data, e, v, ctx));
                    })
                    .build()).mutate("error");
            time.advance(Duration.ZERO);
            assertThat(order).containsExactly("onError", "onSettled");
            assertThat(onError).containsExactly(Arrays.asList(error, "error", null));
            assertThat(onSettled).containsExactly(Arrays.asList(null, error, "error", null));
            assertThat(result).isCompletedExceptionally();
        }

        // TanStack mutations.test.tsx: "setMutationDefaults should be able to set defaults"
        @Test
        void setMutationDefaultsShouldBeAbleToSetDefaults() {
            QueryKey key = queryKey();
            QueryKey todos = queryKey();
            // Adapted: defaults carry retry, retryDelay and invalidations, not the function.
            client.setMutationDefaults(key, MutationDefaults.builder().retry(1).retryDelay(RetryDelay.fixed(ms(1)))
                    .invalidates(QueryFilter.prefix(todos)).build());
            client.setQueryData(todos, "before");
            AtomicInteger attempts = new AtomicInteger();
            MutationFunction<String, String> failsOnce = v -> {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("once");
                }
                return v;
            };
            CompletableFuture<String> result = client.mutation(MutationOptions.<String, String, Void>builder(failsOnce)
                    .mutationKey(key).build()).mutate("vars");
            time.advance(ms(10));
            assertThat(result).isCompletedWithValue("vars");
            assertThat(attempts).hasValue(2);
            assertThat(this.<String>state(todos).invalidated()).isTrue();

            // a mutation's own explicit options win over the defaults
            attempts.set(0);
            CompletableFuture<String> own = client.mutation(MutationOptions.<String, String, Void>builder(failsOnce)
                    .mutationKey(key).retry(0).build()).mutate("vars");
            time.advance(ms(10));
            assertThat(attempts).hasValue(1);
            assertThat(own).isCompletedExceptionally();
        }

        // TanStack mutationCache.test.tsx: "should filter correctly"
        // (the findAll one) Adapted: no mutation cache to search; isMutating(filter) counts the running runs
        // that the same filters select.
        @Test
        void shouldFilterCorrectly() {
            for (QueryKey mutationKey : List.of(QueryKey.of("a", 1), QueryKey.of("a", 2), QueryKey.of("b"))) {
                client.mutation(MutationOptions.<Integer, String, Void>async(v -> sleep(10, () -> "done"))
                        .mutationKey(mutationKey).build()).mutate(1);
            }
            assertThat(client.isMutating(QueryFilter.prefix("a"))).isEqualTo(2);
            assertThat(client.isMutating(QueryFilter.exact(QueryKey.of("a", 1)))).isEqualTo(1);
            assertThat(client.isMutating(QueryFilter.partial("a", 2))).isEqualTo(1);
            assertThat(client.isMutating(QueryFilter.prefix("unknown"))).isZero();
            time.advance(ms(10));
            assertThat(client.isMutating()).isZero();
        }

        // TanStack utils.test.tsx: "should return false if mutationKey options is undefined"
        @Test
        void shouldReturnFalseIfMutationKeyOptionsIsUndefined() {
            client.mutation(MutationOptions.<String, String, Void>async(v -> sleep(10, () -> "done")).build())
                    .mutate("x");
            assertThat(client.isMutating()).isEqualTo(1);
            // A filter on keys selects no mutation without a key, not even the empty prefix.
            assertThat(client.isMutating(QueryFilter.prefix(QueryKey.of()))).isZero();
            assertThat(client.isMutating(QueryFilter.prefix(queryKey()))).isZero();
        }

        // TanStack mutations.test.tsx: "mutation should set correct success states"
        @Test
        void mutationShouldSetCorrectSuccessStates() {
            Mutation<String, String, String> mutation = client.mutation(MutationOptions.<String, String, String>async(
                    text -> sleep(10, () -> text)).onMutate(text -> text).build());
            MutationState<String, String> idle = mutation.getState();
            assertThat(idle.status()).isEqualTo(MutationStatus.IDLE);
            assertThat(idle.data()).isNull();
            assertThat(idle.error()).isNull();
            assertThat(idle.failureCount()).isZero();
            assertThat(idle.failureReason()).isNull();
            assertThat(idle.variables()).isNull();
            // (TanStack: submittedAt 0 before the first run; here null.)
            assertThat(idle.submittedAt()).isNull();

            mutation.mutate("todo");
            time.advance(Duration.ZERO);
            MutationState<String, String> pending = mutation.getState();
            assertThat(pending.status()).isEqualTo(MutationStatus.PENDING);
            assertThat(pending.variables()).isEqualTo("todo");
            assertThat(pending.data()).isNull();
            assertThat(pending.error()).isNull();
            assertThat(pending.failureCount()).isZero();
            assertThat(pending.failureReason()).isNull();
            assertThat(pending.submittedAt()).isEqualTo(Instant.ofEpochMilli(time.millis()));

            time.advance(ms(10));
            MutationState<String, String> success = mutation.getState();
            assertThat(success.status()).isEqualTo(MutationStatus.SUCCESS);
            assertThat(success.data()).isEqualTo("todo");
            assertThat(success.error()).isNull();
            assertThat(success.failureCount()).isZero();
            assertThat(success.failureReason()).isNull();
            assertThat(success.variables()).isEqualTo("todo");
        }

        // TanStack mutations.test.tsx: "mutation should set correct error states"
        @Test
        void mutationShouldSetCorrectErrorStates() {
            Mutation<String, String, String> mutation = client.mutation(MutationOptions.<String, String, String>async(
                    text -> this.<String>rejectAfter(20, new IllegalStateException("err"))).onMutate(text -> text)
                    .retry(1).retryDelay(RetryDelay.fixed(ms(10))).build());
            CompletableFuture<String> result = mutation.mutate("todo");
            time.advance(Duration.ZERO);
            MutationState<String, String> first = mutation.getState();
            assertThat(first.status()).isEqualTo(MutationStatus.PENDING);
            assertThat(first.error()).isNull();
            assertThat(first.failureCount()).isZero();
            assertThat(first.failureReason()).isNull();
            assertThat(first.variables()).isEqualTo("todo");

            time.advance(ms(20));
            MutationState<String, String> retrying = mutation.getState();
            assertThat(retrying.status()).isEqualTo(MutationStatus.PENDING);
            assertThat(retrying.failureCount()).isEqualTo(1);
            assertThat(retrying.failureReason()).hasMessage("err");
            assertThat(retrying.error()).as("no error while a retry is pending").isNull();
            assertThat(retrying.data()).isNull();

            time.advance(ms(30));
            MutationState<String, String> failed = mutation.getState();
            assertThat(failed.status()).isEqualTo(MutationStatus.ERROR);
            assertThat(failed.error()).hasMessage("err");
            assertThat(failed.failureCount()).isEqualTo(2);
            assertThat(failed.failureReason()).hasMessage("err");
            assertThat(failed.data()).isNull();
            assertThat(failed.variables()).isEqualTo("todo");
            assertThat(result).isCompletedExceptionally();
        }
    }

    @Nested
    class PartialKeyTests extends Base {

        // TanStack utils.test.tsx: "should return `true` if a includes b"
        @Test
        void shouldReturnTrueIfAIncludesB() {
            QueryKey a = QueryKey.of(Map.of("a", Map.of("b", "b"), "c", "c", "d", List.of(Map.of("d", "d "))));
            QueryFilter b = QueryFilter.partial(Map.of("a", Map.of("b", "b"), "c", "c", "d", List.of()));
            assertThat(b.matches(new QuerySnapshot(a, QueryState.idle(), 0))).isTrue();
        }

        // TanStack utils.test.tsx: "should return `false` if a does not include b"
        @Test
        void shouldReturnFalseIfADoesNotIncludeB() {
            QueryKey a = QueryKey.of(Map.of("a", Map.of("b", "b"), "c", "c", "d", List.of()));
            QueryFilter b = QueryFilter.partial(Map.of("a", Map.of("b", "b"), "c", "c", "d",
                    List.of(Map.of("d", "d "))));
            assertThat(b.matches(new QuerySnapshot(a, QueryState.idle(), 0))).isFalse();
        }

        // TanStack utils.test.tsx: "should return `true` if array a includes array b"
        @Test
        void shouldReturnTrueIfArrayAIncludesArrayB() {
            QueryKey a = QueryKey.of(1, 2, 3);
            assertThat(QueryFilter.partial(1, 2).matches(new QuerySnapshot(a, QueryState.idle(), 0))).isTrue();
            assertThat(QueryFilter.partial(QueryKey.of(1, 2)).matches(new QuerySnapshot(a, QueryState.idle(), 0)))
                    .isTrue();
            // and the scalar pattern matches whole parts, never a part's beginning
            assertThat(QueryFilter.partial(1, 2).matches(new QuerySnapshot(QueryKey.of(1, 23), QueryState.idle(),
                    0))).isFalse();
        }

        // TanStack queryCache.test.tsx: "should filter correctly"
        // (its partial-key cases; the others are in QueryCacheTests.shouldFilterCorrectly)
        @Test
        void shouldFilterCorrectly() {
            QueryKey key3 = QueryKey.of(Map.of("a", "a", "b", "b"));
            QueryKey key4 = QueryKey.of("posts", 1);
            client.prefetchQuery(QueryOptions.async(key3, ctx -> sleep(100, () -> "data3")).build());
            client.prefetchQuery(QueryOptions.async(key4, ctx -> sleep(100, () -> "data4")).build());
            time.advance(ms(100));
            Predicate<QuerySnapshot> active = QuerySnapshot::isActive;
            Predicate<QuerySnapshot> stale = QuerySnapshot::stale;
            QueryFilter a = QueryFilter.partial(Map.of("a", "a"));

            assertThat(keys(QueryFilter.partial(Map.of("b", "b")))).containsExactly(key3);
            assertThat(keys(a)).containsExactly(key3);
            assertThat(keys(QueryFilter.exact(QueryKey.of(Map.of("a", "a"))))).isEmpty();
            assertThat(keys(QueryFilter.exact(QueryKey.of(Map.of("a", "a", "b", "b"))))).containsExactly(key3);
            assertThat(keys(QueryFilter.partial(Map.of("a", "a", "b", "b")))).containsExactly(key3);
            assertThat(keys(QueryFilter.partial(Map.of("a", "a", "b", "b", "c", "c")))).isEmpty();
            assertThat(keys(and(a, stale.negate()))).containsExactly(key3);
            assertThat(keys(and(a, stale))).isEmpty();
            assertThat(keys(and(a, active))).isEmpty();
            assertThat(keys(and(a, active.negate()))).containsExactly(key3);
            assertThat(keys(QueryFilter.partial("posts"))).containsExactly(key4);
        }
    }
}
