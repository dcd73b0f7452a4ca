package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The rules where StackQuery used to differ from TanStack Query by accident (issue 14, items 1-7) and the TanStack
 * capabilities added with them (items 8-10). Each test fails on the engine before the change. Time is a
 * {@link FakeTime}; fetches that must stay running are futures the test completes.
 */
class QueryClientTanStackRulesTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final QueryKey key = QueryKey.of("todos", 1);
    /** Calls of {@link #held}'s function, each a future the test completes. */
    private final List<CompletableFuture<String>> calls = new ArrayList<>();
    private final List<QueryContext> contexts = new ArrayList<>();

    @AfterEach
    void close() {
        client.close();
    }

    private QueryOptions.Builder<String> held(QueryKey of) {
        return QueryOptions.<String>async(of, ctx -> {
            CompletableFuture<String> call = new CompletableFuture<>();
            calls.add(call);
            contexts.add(ctx);
            return call;
        });
    }

    private static QueryOptions<String> counting(QueryKey of, AtomicInteger count) {
        return QueryOptions.builder(of, ctx -> "v" + count.incrementAndGet()).build();
    }

    private static Consumer<QueryResult<String>> ignore() {
        return result -> { };
    }

    @Nested
    class CancelQueries {

        @Test
        void waitingCallersGetThePreviousDataWhenTheQueryHadData() {
            client.setQueryData(key, "before");
            client.invalidateQueries(QueryFilter.exact(key)).join();
            CompletableFuture<String> fresh = client.fetchFreshQuery(held(key).build());
            CompletableFuture<String> refetch = client.watch(held(key).build()).refetch();
            assertThat(calls).hasSize(1);

            client.cancelQueries(QueryFilter.exact(key)).join();

            assertThat(fresh).isCompletedWithValue("before");
            assertThat(refetch).isCompletedWithValue("before");
            QueryState<String> state = client.<String>getQueryState(key).orElseThrow();
            assertThat(state.status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
            assertThat(contexts.get(0).isCancelled()).isTrue();
        }

        @Test
        void closingTheClientFailsWaitingCallersEvenWhenTheQueryHadData() {
            client.setQueryData(key, "before");
            client.invalidateQueries(QueryFilter.exact(key)).join();
            CompletableFuture<String> fresh = client.fetchFreshQuery(held(key).build());
            client.close();
            assertThatThrownBy(fresh::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(CancellationException.class);
        }

        @Test
        void waitingCallersFailWithCancellationWhenThereWasNoData() {
            CompletableFuture<String> first = client.fetchQuery(held(key).build());
            client.cancelQueries(QueryFilter.exact(key)).join();
            assertThatThrownBy(first::join).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(CancellationException.class);
            assertThat(client.getQueryState(key).orElseThrow().status()).isEqualTo(QueryStatus.IDLE);
        }
    }

    @Nested
    class MutationFailures {

        @Test
        void aPendingRetryShowsTheFailureReasonNotTheError() {
            AtomicInteger runs = new AtomicInteger();
            IllegalStateException boom = new IllegalStateException("boom");
            Mutation<String, String, Void> mutation = client.mutation(MutationOptions.<String, String, Void>builder(
                    v -> {
                        if (runs.incrementAndGet() == 1) {
                            throw boom;
                        }
                        return "saved " + v;
                    }).retry(1).retryDelay(RetryDelay.fixed(Duration.ofSeconds(1))).build());
            CompletableFuture<String> result = mutation.mutate("a");

            MutationState<String, String> retrying = mutation.getState();
            assertThat(retrying.status()).isEqualTo(MutationStatus.PENDING);
            assertThat(retrying.error()).as("no error while a retry is pending").isNull();
            assertThat(retrying.failureReason()).isSameAs(boom);
            assertThat(retrying.failureCount()).isEqualTo(1);

            time.advance(Duration.ofSeconds(1));
            assertThat(result).isCompletedWithValue("saved a");
            MutationState<String, String> done = mutation.getState();
            assertThat(done.failureCount()).isZero();
            assertThat(done.failureReason()).isNull();
            assertThat(done.error()).isNull();
        }

        @Test
        void theLastFailureIsTheErrorAndItsReason() {
            IllegalStateException boom = new IllegalStateException("boom");
            Mutation<String, String, Void> mutation = client.mutation(MutationOptions.<String, String, Void>builder(
                    v -> {
                        throw boom;
                    }).retry(2).retryDelay(RetryDelay.fixed(Duration.ofMillis(10))).build());
            CompletableFuture<String> result = mutation.mutate("a");
            time.advance(Duration.ofMillis(20));
            assertThat(result).isCompletedExceptionally();
            MutationState<String, String> failed = mutation.getState();
            assertThat(failed.status()).isEqualTo(MutationStatus.ERROR);
            assertThat(failed.error()).isSameAs(boom);
            assertThat(failed.failureReason()).isSameAs(boom);
            assertThat(failed.failureCount()).isEqualTo(3);
        }
    }

    @Nested
    class LastObserverLeaving {

        private final AtomicInteger count = new AtomicInteger();

        private QueryOptions<String> failing() {
            return QueryOptions.<String>builder(key, ctx -> {
                count.incrementAndGet();
                throw new IllegalStateException("down");
            }).retry(10).retryDelay(RetryDelay.fixed(Duration.ofMillis(50))).build();
        }

        @Test
        void callsOffThePendingRetry() {
            Subscription subscription = client.watch(failing()).subscribe(ignore());
            time.advance(Duration.ofMillis(50));
            assertThat(count).hasValue(2);
            subscription.unsubscribe();
            time.advance(Duration.ofMillis(500));
            assertThat(count).as("no retry after the last observer left").hasValue(2);
            QueryState<String> state = client.<String>getQueryState(key).orElseThrow();
            assertThat(state.status()).isEqualTo(QueryStatus.ERROR);
            assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
        }

        @Test
        void anObserverComingBackBeforeTheRetryLetsItRun() {
            QueryObserver<String> observer = client.watch(failing());
            observer.subscribe(ignore()).unsubscribe();
            assertThat(count).hasValue(1);
            observer.subscribe(ignore());
            time.advance(Duration.ofMillis(100));
            assertThat(count).hasValue(3);
        }

        @Test
        void retriesGoOnWhileACallerAwaitsTheFetch() {
            // Differs from TanStack on purpose: a caller waiting for the data keeps its full retry budget; an observer
            // leaving is no reason to fail an unrelated caller sooner.
            Subscription subscription = client.watch(failing()).subscribe(ignore());
            CompletableFuture<String> caller = client.fetchFreshQuery(failing());
            subscription.unsubscribe();
            time.advance(Duration.ofMillis(200));
            assertThat(count).hasValue(5);
            assertThat(caller).isNotDone();
        }
    }

    @Nested
    class Staleness {

        private QuerySnapshot only() {
            return client.findAll(QueryFilter.exact(key)).get(0);
        }

        @Test
        void anInactiveQueryIsStaleOnlyWithoutDataOrWhenInvalidated() {
            client.fetchQuery(QueryOptions.builder(key, ctx -> "v").staleTime(Duration.ofSeconds(1)).build()).join();
            time.advance(Duration.ofMinutes(1));
            assertThat(only().stale()).as("TanStack: no observer, so no staleTime to judge by").isFalse();
            assertThat(only().staleByTime()).as("older than the staleTime last used").isTrue();
            client.invalidateQueries(QueryFilter.exact(key)).join();
            assertThat(only().stale()).isTrue();
        }

        @Test
        void anObservedQueryIsStaleWhenAnEnabledObserverSeesItStale() {
            client.setQueryData(key, "v");
            QueryObserver<String> patient = client.watch(QueryOptions.builder(key, ctx -> "v")
                    .staleTime(Duration.ofHours(1)).build());
            patient.subscribe(ignore());
            time.advance(Duration.ofMinutes(1));
            assertThat(only().stale()).isFalse();
            QueryObserver<String> eager = client.watch(held(key).staleTime(Duration.ofSeconds(10)).enabled(false)
                    .build());
            eager.subscribe(ignore());
            assertThat(only().stale()).as("a disabled observer's result is never stale").isFalse();
            eager.setEnabled(true); // starts a refetch, which the test holds: the data stays a minute old
            assertThat(calls).hasSize(1);
            assertThat(only().stale()).isTrue();
        }

        @Test
        void theStaleFilterOfFindAllFollowsTheSameRule() {
            client.setQueryData(QueryKey.of("todos", 2), "kept");
            client.setQueryData(key, "v");
            client.invalidateQueries(QueryFilter.exact(key)).join();
            time.advance(Duration.ofMinutes(1)); // both older than the default staleTime, 0
            assertThat(client.findAll(QueryFilter.where(QuerySnapshot::staleByTime))).hasSize(2);
            assertThat(client.findAll(QueryFilter.where(QuerySnapshot::stale))).extracting(QuerySnapshot::key)
                    .containsExactly(key);
        }
    }

    @Nested
    class RefetchQueries {

        @Test
        void skipsQueriesWhoseObserversAreAllDisabled() {
            AtomicInteger count = new AtomicInteger();
            client.fetchQuery(counting(key, count)).join();
            client.watch(QueryOptions.builder(key, ctx -> "v" + count.incrementAndGet()).enabled(false).build())
                    .subscribe(ignore());
            client.refetchQueries(QueryFilter.all()).join();
            assertThat(count).hasValue(1);
        }

        @Test
        void skipsQueriesNeverFetchedAndRefetchesTheRest() {
            AtomicInteger count = new AtomicInteger();
            client.fetchQuery(counting(key, count)).join();
            QueryKey other = QueryKey.of("todos", 2);
            client.prefetchQuery(counting(other, count)).join();
            client.resetQueries(QueryFilter.exact(other)).join(); // idle again, as if never fetched
            client.refetchQueries(QueryFilter.all()).join();
            assertThat(count).hasValue(3);
            assertThat(client.getQueryData(key)).contains("v3");
            assertThat(client.getQueryState(other).orElseThrow().status()).isEqualTo(QueryStatus.IDLE);
        }
    }

    @Nested
    class SetQueryDataUpdater {

        @Test
        void anUpdaterReturningNullOnAMissingKeyCreatesNothing() {
            assertThat(client.setQueryData(key, (String current) -> null)).isEmpty();
            assertThat(client.getQueryState(key)).isEmpty();
            assertThat(client.size()).isZero();
            assertThat(events.of(QueryCacheEvent.Added.class)).isEmpty();
        }

        @Test
        void anUpdaterOnAMissingKeyRunsOnceWithNull() {
            List<String> seen = new ArrayList<>();
            assertThat(client.setQueryData(key, (String current) -> {
                seen.add(String.valueOf(current));
                return "new";
            })).contains("new");
            assertThat(seen).containsExactly("null");
            assertThat(client.getQueryData(key)).contains("new");
        }
    }

    @Nested
    class GarbageCollection {

        @Test
        void gcTimeZeroRemovesAQueryAsSoonAsItsLastObserverLeaves() {
            AtomicInteger count = new AtomicInteger();
            QueryOptions<String> options = QueryOptions.builder(key, ctx -> "v" + count.incrementAndGet())
                    .gcTime(Duration.ZERO).staleTime(Duration.ofDays(1)).build();
            QueryObserver<String> observer = client.watch(options);
            observer.subscribe(ignore()).unsubscribe();
            time.runDue();
            assertThat(client.getQueryState(key)).isEmpty();
            observer.subscribe(ignore()).unsubscribe();
            time.runDue();
            assertThat(client.getQueryState(key)).isEmpty();
            assertThat(count).as("the second subscription fetched again: the query was gone").hasValue(2);
        }

        @Test
        void eachQueryLeavesAtItsOwnGcTimeNotAtTheNextSweep() {
            client.fetchQuery(QueryOptions.builder(key, ctx -> "a").gcTime(Duration.ofMillis(100)).build()).join();
            time.advance(Duration.ofMillis(100));
            assertThat(client.getQueryState(key)).isEmpty();
            QueryKey later = QueryKey.of("todos", 2);
            client.fetchQuery(QueryOptions.builder(later, ctx -> "b").gcTime(Duration.ofMillis(100)).build()).join();
            time.advance(Duration.ofMillis(99));
            assertThat(client.getQueryState(later)).isPresent();
            time.advance(Duration.ofMillis(1));
            assertThat(client.getQueryState(later)).as("100 ms after it settled, not a 1 s sweep later").isEmpty();
        }

        @Test
        void aShorterGcTimeGivenLaterTakesEffect() {
            client.setQueryData(key, "set"); // no options: the default gcTime, 5 min
            client.fetchFreshQuery(QueryOptions.builder(key, ctx -> "fetched").gcTime(Duration.ofSeconds(1)).build())
                    .join();
            time.advance(Duration.ofSeconds(1));
            assertThat(client.getQueryState(key)).as("gone at the 1 s gcTime, not at 5 min").isEmpty();

            QueryKey observed = QueryKey.of("todos", 2);
            client.setQueryData(observed, "set");
            client.watch(QueryOptions.builder(observed, ctx -> "fetched").gcTime(Duration.ZERO)
                    .staleTime(Duration.ofDays(1)).build()).subscribe(ignore()).unsubscribe();
            time.runDue();
            assertThat(client.getQueryState(observed)).as("gcTime 0 given by an observer: gone when it left")
                    .isEmpty();
        }

        @Test
        void oneTimerServesEveryQuery() {
            for (int i = 0; i < 1000; i++) {
                client.fetchQuery(QueryOptions.builder(QueryKey.of("item", i), ctx -> "v")
                        .gcTime(Duration.ofMillis(1000 + i)).build()).join();
            }
            assertThat(time.pending()).isEqualTo(1);
            time.advance(Duration.ofMillis(1500));
            assertThat(client.size()).isEqualTo(499);
            assertThat(time.pending()).isEqualTo(1);
        }
    }

    @Nested
    class InvalidateRefetchType {

        private final AtomicInteger observed = new AtomicInteger();
        private final AtomicInteger unobserved = new AtomicInteger();
        private final QueryKey other = QueryKey.of("todos", 2);

        private void twoQueries() {
            client.watch(counting(key, observed)).subscribe(ignore());
            client.fetchQuery(counting(other, unobserved)).join();
            assertThat(observed).hasValue(1);
            assertThat(unobserved).hasValue(1);
        }

        @Test
        void activeIsTheDefault() {
            twoQueries();
            client.invalidateQueries(QueryFilter.prefix("todos")).join();
            assertThat(observed).hasValue(2);
            assertThat(unobserved).hasValue(1);
            assertThat(client.getQueryState(other).orElseThrow().invalidated()).isTrue();
        }

        @Test
        void inactiveRefetchesOnlyTheUnobserved() {
            twoQueries();
            client.invalidateQueries(QueryFilter.prefix("todos"), RefetchOptions.of(RefetchType.INACTIVE)).join();
            assertThat(observed).hasValue(1);
            assertThat(unobserved).hasValue(2);
            assertThat(client.getQueryState(key).orElseThrow().invalidated()).isTrue();
        }

        @Test
        void allRefetchesBothAndNoneNeither() {
            twoQueries();
            client.invalidateQueries(QueryFilter.prefix("todos"), RefetchOptions.of(RefetchType.ALL)).join();
            assertThat(observed).hasValue(2);
            assertThat(unobserved).hasValue(2);
            client.invalidateQueries(QueryFilter.prefix("todos"), RefetchOptions.of(RefetchType.NONE)).join();
            assertThat(observed).hasValue(2);
            assertThat(unobserved).hasValue(2);
            assertThat(client.findAll(QueryFilter.prefix("todos"))).allMatch(s -> s.state().invalidated());
        }

        @Test
        void cancelRefetchReplacesARunningFetchAndItsCallersGetTheNewData() {
            client.setQueryData(key, "old");
            CompletableFuture<String> first = client.watch(held(key).build()).refetch();
            assertThat(calls).hasSize(1);
            CompletableFuture<Void> invalidated = client.invalidateQueries(QueryFilter.exact(key),
                    RefetchOptions.of(RefetchType.ALL).withCancelRefetch(true));
            assertThat(calls).as("a second call started at once").hasSize(2);
            assertThat(contexts.get(0).isCancelled()).isTrue();
            calls.get(0).complete("read before the invalidation");
            calls.get(1).complete("new");
            assertThat(first).isCompletedWithValue("new");
            assertThat(invalidated).isCompleted();
            assertThat(client.getQueryData(key)).contains("new");
            assertThat(client.getQueryState(key).orElseThrow().invalidated()).isFalse();
        }

        @Test
        void withoutCancelRefetchARunningFetchIsJoined() {
            client.setQueryData(key, "old");
            CompletableFuture<String> first = client.watch(held(key).build()).refetch();
            CompletableFuture<Void> refetched = client.refetchQueries(QueryFilter.exact(key));
            assertThat(calls).hasSize(1);
            assertThat(refetched).isNotDone();
            calls.get(0).complete("new");
            assertThat(first).isCompletedWithValue("new");
            assertThat(refetched).isCompleted();
        }
    }

    @Nested
    class MutationKeys {

        private final QueryKey todos = QueryKey.of("todos");

        @Test
        void defaultsApplyByPartialKeyAndTheMutationsOwnOptionsWin() {
            client.setMutationDefaults(todos, MutationDefaults.builder().retry(2)
                    .retryDelay(RetryDelay.fixed(Duration.ofMillis(10))).invalidates(QueryFilter.prefix("todos"))
                    .build());
            client.setMutationDefaults(QueryKey.of("todos", Map.of("kind", "bulk")),
                    MutationDefaults.builder().retry(5).build());
            client.setQueryData(key, "cached");
            AtomicInteger runs = new AtomicInteger();
            Mutation<String, String, Void> add = client.mutation(MutationOptions.<String, String, Void>builder(v -> {
                if (runs.incrementAndGet() < 3) {
                    throw new IllegalStateException("flaky");
                }
                return v;
            }).mutationKey(QueryKey.of("todos", "add")).build());
            assertThat(add.options().retry()).isEqualTo(2);
            CompletableFuture<String> done = add.mutate("x");
            time.advance(Duration.ofMillis(20));
            assertThat(done).isCompletedWithValue("x");
            assertThat(runs).hasValue(3);
            assertThat(client.getQueryState(key).orElseThrow().invalidated()).as("the defaults' invalidation").isTrue();

            assertThat(client.getMutationDefaults(QueryKey.of("todos", Map.of("kind", "bulk", "size", 3))).retry())
                    .as("the later, more specific registration wins").contains(5);
            Mutation<String, String, Void> own = client.mutation(MutationOptions.<String, String, Void>builder(
                    v -> v).mutationKey(QueryKey.of("todos", "add")).retry(0).build());
            assertThat(own.options().retry()).isZero();
            assertThat(own.options().invalidates()).containsExactly(QueryFilter.prefix("todos"));
            assertThat(client.mutation(MutationOptions.<String, String, Void>builder(v -> v).build()).options()
                    .retry()).as("no key, no defaults").isZero();
        }

        @Test
        void aMutationStaysPendingUntilItsInvalidationsHaveRefetched() {
            client.setQueryData(key, "old");
            client.watch(held(key).staleTime(Duration.ofHours(1)).build()).subscribe(ignore());
            Mutation<String, String, Void> save = client.mutation(MutationOptions.<String, String, Void>builder(
                    v -> v).mutationKey(todos).invalidates(QueryFilter.prefix("todos")).build());
            CompletableFuture<String> done = save.mutate("x");
            assertThat(calls).as("the observed query refetches").hasSize(1);
            assertThat(done).isNotDone();
            assertThat(save.getState().status()).isEqualTo(MutationStatus.PENDING);
            assertThat(client.isMutating(QueryFilter.prefix("todos"))).isEqualTo(1);
            calls.get(0).complete("new");
            assertThat(done).isCompletedWithValue("x");
            assertThat(save.getState().status()).isEqualTo(MutationStatus.SUCCESS);
            assertThat(client.isMutating()).isZero();
        }

        @Test
        void isMutatingCountsRunsInProgressByKey() {
            CompletableFuture<String> write = new CompletableFuture<>();
            Mutation<String, String, Void> save = client.mutation(MutationOptions.<String, String, Void>async(
                    v -> write).mutationKey(QueryKey.of("todos", 1, "save")).build());
            Mutation<String, String, Void> keyless = client.mutation(MutationOptions.<String, String, Void>async(
                    v -> new CompletableFuture<>()).build());
            assertThat(client.isMutating()).isZero();
            CompletableFuture<String> running = save.mutate("a");
            keyless.mutate("b");
            assertThat(client.isMutating()).isEqualTo(2);
            assertThat(client.isMutating(QueryFilter.prefix("todos"))).isEqualTo(1);
            assertThat(client.isMutating(QueryFilter.prefix("todos", 2))).isZero();
            assertThat(client.isMutating(QueryFilter.exact(QueryKey.of("todos", 1, "save")))).isEqualTo(1);
            assertThat(client.isMutating(QueryFilter.all())).isEqualTo(2);
            write.complete("ok");
            assertThat(running).isCompletedWithValue("ok");
            assertThat(client.isMutating(QueryFilter.prefix("todos"))).isZero();
            assertThat(client.isMutating()).isEqualTo(1);
            assertThatThrownBy(() -> client.isMutating(QueryFilter.where(s -> true)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mutation key");
        }
    }

    @Nested
    class PartialKeys {

        private final QueryKey donePage1 = QueryKey.of("todos", Map.of("status", "done", "page", 1));
        private final QueryKey open = QueryKey.of("todos", Map.of("status", "open"));
        private final QueryKey list = QueryKey.of("todos", List.of(1, 2, 3));

        @Test
        void aMapPartSelectsMapsThatHaveItsEntries() {
            assertThat(donePage1.matchesPartially(QueryKey.of("todos", Map.of("status", "done")))).isTrue();
            assertThat(open.matchesPartially(QueryKey.of("todos", Map.of("status", "done")))).isFalse();
            assertThat(donePage1.matchesPartially(QueryKey.of("todos"))).isTrue();
            assertThat(donePage1.matchesPartially(QueryKey.of("todos", Map.of()))).isTrue();
            assertThat(QueryKey.of("todos").matchesPartially(QueryKey.of("todos", Map.of()))).isFalse();
            assertThat(list.matchesPartially(QueryKey.of("todos", List.of(1, 2)))).isTrue();
            assertThat(list.matchesPartially(QueryKey.of("todos", List.of(2)))).isFalse();
            assertThat(donePage1.matchesPartially(QueryKey.of("todos", List.of()))).as("a list never matches a map")
                    .isFalse();
            assertThat(QueryKey.of("todos", Map.of("filter", Map.of("a", 1, "b", 2)))
                    .matchesPartially(QueryKey.of("todos", Map.of("filter", Map.of("a", 1))))).isTrue();
        }

        @Test
        void thePartialFilterSelectsWhatPrefixCannot() {
            for (QueryKey each : List.of(donePage1, open, list)) {
                client.setQueryData(each, "v");
            }
            QueryFilter done = QueryFilter.partial("todos", Map.of("status", "done"));
            assertThat(client.findAll(QueryFilter.prefix("todos", Map.of("status", "done")))).isEmpty();
            assertThat(client.findAll(done)).extracting(QuerySnapshot::key).containsExactly(donePage1);
            client.invalidateQueries(done).join();
            assertThat(client.getQueryState(donePage1).orElseThrow().invalidated()).isTrue();
            assertThat(client.getQueryState(open).orElseThrow().invalidated()).isFalse();
        }

        @Test
        void otherInstancesApplyThePatternAndL2LosesNothingItShouldNot() {
            InMemoryStorageBackend l2 = new InMemoryStorageBackend(time.clock());
            InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
            try (QueryClient a = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                    .storage(l2).invalidationBus(bus).instanceId("a").build();
                    QueryClient b = QueryClient.builder().clock(time.clock()).scheduler(time)
                            .executor(Runnable::run).storage(l2).invalidationBus(bus).instanceId("b").build()) {
                AtomicInteger reads = new AtomicInteger();
                for (QueryKey each : List.of(donePage1, open)) {
                    b.fetchQuery(QueryOptions.builder(each, ctx -> "v" + reads.incrementAndGet()).type(String.class)
                            .staleTime(Duration.ofHours(1)).build()).join();
                }
                time.runDue();
                a.invalidateQueries(QueryFilter.partial("todos", Map.of("status", "done"))).join();
                time.runDue();
                assertThat(b.getQueryState(donePage1).orElseThrow().invalidated())
                        .as("a did not hold the key, b matched the pattern itself").isTrue();
                assertThat(b.getQueryState(open).orElseThrow().invalidated()).isFalse();
                assertThat(l2.get(donePage1).join()).as("deleted from L2 although a never held it").isEmpty();
            }
        }
    }

    @Nested
    class FreshData {

        @Test
        void freshDataIsServedAsFetchQueryWouldAndStaleOrInvalidatedIsNot() {
            assertThat(client.<String>getFreshQueryData(key, null)).isNull();
            client.fetchQuery(QueryOptions.builder(key, ctx -> "v").build()).join();
            events.clear();
            assertThat(client.<String>getFreshQueryData(key, Duration.ofSeconds(10))).isEqualTo("v");
            assertThat(events.of(QueryCacheEvent.Lookup.class)).singleElement()
                    .satisfies(e -> assertThat(e.result()).isEqualTo(QueryCacheEvent.LookupResult.HIT));
            assertThat(client.<String>getFreshQueryData(key, null)).as("the default staleTime, 0").isNull();
            time.advance(Duration.ofSeconds(10));
            assertThat(client.<String>getFreshQueryData(key, Duration.ofSeconds(10))).isNull();
            assertThat(client.<String>getFreshQueryData(key, Duration.ofSeconds(11))).isEqualTo("v");
            client.invalidateQueries(QueryFilter.exact(key)).join();
            assertThat(client.<String>getFreshQueryData(key, Duration.ofHours(1))).isNull();
            assertThat(calls).as("nothing was fetched by it").isEmpty();
        }
    }
}
