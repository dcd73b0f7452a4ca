package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryObserverTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final QueryKey key = QueryKey.of("todos");
    private final AtomicInteger calls = new AtomicInteger();
    private final List<CompletableFuture<List<String>>> pending = new ArrayList<>();

    @AfterEach
    void close() {
        client.close();
    }

    /** A function whose calls the test completes by hand. */
    private QueryOptions.Builder<List<String>> manual() {
        return QueryOptions.async(key, ctx -> {
            calls.incrementAndGet();
            CompletableFuture<List<String>> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        });
    }

    private static <T> List<QueryStatus> statuses(List<QueryResult<T>> results) {
        return results.stream().map(QueryResult::status).toList();
    }

    @Test
    void theFirstSubscriberGetsTheCurrentResultAtOnceAndTriggersOneFetch() {
        QueryObserver<List<String>> observer = client.watch(manual().build());
        List<QueryResult<List<String>>> seen = new ArrayList<>();
        observer.subscribe(seen::add);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).status()).isEqualTo(QueryStatus.IDLE);
        assertThat(seen.get(1).isLoading()).isTrue();
        assertThat(calls).hasValue(1);

        List<QueryResult<List<String>>> second = new ArrayList<>();
        observer.subscribe(second::add);
        assertThat(second).singleElement().satisfies(r -> assertThat(r.isLoading()).isTrue());
        client.watch(manual().build()).subscribe(r -> { });
        assertThat(calls).as("later subscribers share the fetch").hasValue(1);

        pending.get(0).complete(List.of("a"));
        assertThat(seen).last().satisfies(r -> {
            assertThat(r.status()).isEqualTo(QueryStatus.SUCCESS);
            assertThat(r.data()).containsExactly("a");
            assertThat(r.isFetching()).isFalse();
        });
        assertThat(second).last().satisfies(r -> assertThat(r.data()).containsExactly("a"));
    }

    @Test
    void everyChangeReachesEachSubscriberOnceInOrder() {
        QueryObserver<List<String>> observer = client.watch(manual().staleTime(Duration.ofMinutes(1)).build());
        List<QueryResult<List<String>>> seen = new ArrayList<>();
        observer.subscribe(seen::add);
        pending.get(0).complete(List.of("a"));
        client.setQueryData(key, List.of("set"));
        CompletableFuture<Void> invalidated = client.invalidateQueries(QueryFilter.exact(key)); // refetches it
        assertThat(invalidated).as("completes when the refetch is done").isNotDone();
        pending.get(1).complete(List.of("b"));
        assertThat(invalidated).isDone();
        client.resetQueries(QueryFilter.exact(key));             // reset, then refetch as it is observed
        pending.get(2).completeExceptionally(new IllegalStateException("down"));
        time.advance(Duration.ofMinutes(1));                      // retries
        for (int i = 3; i < pending.size(); i++) {
            pending.get(i).completeExceptionally(new IllegalStateException("down"));
            time.advance(Duration.ofMinutes(1));
        }
        List<String> story = seen.stream().map(r -> r.status() + "/" + r.fetchStatus() + "/" + r.data()).toList();
        assertThat(story).startsWith(
                "IDLE/IDLE/null",
                "PENDING/FETCHING/null",
                "SUCCESS/IDLE/[a]",
                "SUCCESS/IDLE/[set]",
                "SUCCESS/IDLE/[set]",       // invalidated
                "SUCCESS/FETCHING/[set]",   // refetch of the active query
                "SUCCESS/IDLE/[b]",
                "IDLE/IDLE/null",           // reset
                "PENDING/FETCHING/null");
        assertThat(seen.get(4).isStale()).isTrue();
        assertThat(seen).last().satisfies(r -> {
            assertThat(r.status()).isEqualTo(QueryStatus.ERROR);
            assertThat(r.error()).hasMessage("down");
        });
        assertThat(seen).allSatisfy(r -> assertThat(r).isNotNull());
    }

    @Test
    void disabledObserversNeverFetchUntilEnabledOrRefetched() {
        QueryObserver<List<String>> observer = client.watch(manual().enabled(false).build());
        List<QueryResult<List<String>>> seen = new ArrayList<>();
        observer.subscribe(seen::add);
        client.invalidateQueries(QueryFilter.all()).join();
        assertThat(calls).hasValue(0);
        CompletableFuture<List<String>> refetched = observer.refetch();
        assertThat(calls).hasValue(1);
        pending.get(0).complete(List.of("x"));
        assertThat(refetched).isCompletedWithValue(List.of("x"));

        client.invalidateQueries(QueryFilter.all()).join();
        assertThat(calls).hasValue(1);
        observer.setEnabled(true);
        assertThat(calls).as("enabled with stale data: fetches").hasValue(2);
    }

    @Test
    void refetchIntervalPollsWhileSubscribedAtTheShortestIntervalAndStopsAfter() {
        QueryOptions<String> slow = QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet())
                .refetchInterval(Duration.ofSeconds(10)).build();
        QueryOptions<String> fast = QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet())
                .refetchInterval(Duration.ofSeconds(3)).staleTime(Duration.ofHours(1)).build();
        Subscription a = client.watch(slow).subscribe(r -> { });
        assertThat(calls).hasValue(1);
        time.advance(Duration.ofSeconds(10));
        assertThat(calls).hasValue(2);
        Subscription b = client.watch(fast).subscribe(r -> { });
        time.advance(Duration.ofSeconds(9));
        assertThat(calls).as("every 3 s now").hasValue(5);
        b.unsubscribe();
        time.advance(Duration.ofSeconds(10));
        assertThat(calls).as("back to 10 s").hasValue(6);
        a.unsubscribe();
        time.advance(Duration.ofMinutes(1));
        assertThat(calls).as("no subscriber, no polling").hasValue(6);
    }

    @Test
    void selectIsAppliedPerObserverAndTheCacheKeepsTheOriginal() {
        client.setQueryData(key, List.of("a", "b", "c"));
        QueryOptions<List<String>> options = manual().staleTime(Duration.ofHours(1)).build();
        AtomicInteger selects = new AtomicInteger();
        QueryObserver<Integer> count = client.watch(options, list -> {
            selects.incrementAndGet();
            return list.size();
        });
        QueryObserver<List<String>> firstOnly = client.watch(manual().staleTime(Duration.ofHours(1))
                .select(list -> list.subList(0, 1)).build());
        List<Integer> counts = new ArrayList<>();
        count.subscribe(r -> counts.add(r.data()));
        count.subscribe(r -> counts.add(r.data()));
        assertThat(firstOnly.getCurrentResult().data()).containsExactly("a");
        client.setQueryData(key, List.of("x"));
        assertThat(counts).containsExactly(3, 3, 1, 1);
        assertThat(selects).as("once per change, not per listener").hasValue(2);
        assertThat(client.<List<String>>getQueryData(key)).contains(List.of("x"));
    }

    @Test
    void placeholderDataIsShownWhilePendingAndNeverCached() {
        QueryObserver<List<String>> observer = client.watch(manual().placeholderData(List.of("…")).build());
        List<QueryResult<List<String>>> seen = new ArrayList<>();
        observer.subscribe(seen::add);
        assertThat(seen).last().satisfies(r -> {
            assertThat(r.isPlaceholder()).isTrue();
            assertThat(r.data()).containsExactly("…");
            assertThat(r.status()).isEqualTo(QueryStatus.SUCCESS);
        });
        assertThat(client.getQueryData(key)).isEmpty();
        pending.get(0).complete(List.of("real"));
        assertThat(seen).last().satisfies(r -> {
            assertThat(r.isPlaceholder()).isFalse();
            assertThat(r.data()).containsExactly("real");
        });
    }

    @Test
    void observedQueriesAreNeverCollectedAndGcStartsWhenTheLastSubscriberLeaves() {
        QueryOptions<String> options = QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet())
                .gcTime(Duration.ofMinutes(1)).build();
        Subscription subscription = client.watch(options).subscribe(r -> { });
        time.advance(Duration.ofMinutes(30));
        assertThat(client.getQueryData(key)).contains("v1");
        assertThat(client.findAll(QueryFilter.exact(key))).singleElement()
                .satisfies(s -> assertThat(s.isActive()).isTrue());
        subscription.unsubscribe();
        subscription.unsubscribe(); // harmless
        time.advance(Duration.ofSeconds(59));
        assertThat(client.getQueryData(key)).isPresent();
        time.advance(Duration.ofSeconds(2));
        assertThat(client.getQueryData(key)).isEmpty();
    }

    @Test
    void aThrowingListenerIsIsolatedAndReported() {
        QueryObserver<List<String>> observer = client.watch(manual().build());
        List<QueryResult<List<String>>> good = new ArrayList<>();
        observer.subscribe(r -> {
            throw new IllegalStateException("listener bug");
        });
        observer.subscribe(good::add);
        pending.get(0).complete(List.of("ok"));
        assertThat(good).last().satisfies(r -> assertThat(r.data()).containsExactly("ok"));
        assertThat(client.<List<String>>getQueryData(key)).contains(List.of("ok"));
        assertThat(events.of(QueryCacheEvent.ListenerFailed.class)).isNotEmpty()
                .allSatisfy(e -> assertThat(e.error()).hasMessage("listener bug"));
    }

    @Test
    void removingAnObservedQueryEmptiesItAndObserversKeepWatching() {
        QueryObserver<List<String>> observer = client.watch(manual().build());
        List<QueryResult<List<String>>> seen = new ArrayList<>();
        observer.subscribe(seen::add);
        pending.get(0).complete(List.of("a"));
        client.removeQueries(QueryFilter.exact(key)).join();
        assertThat(seen).last().satisfies(r -> assertThat(r.status()).isEqualTo(QueryStatus.IDLE));
        assertThat(events.of(QueryCacheEvent.Removed.class)).hasSize(1);
        client.setQueryData(key, List.of("again"));
        assertThat(seen).last().satisfies(r -> assertThat(r.data()).containsExactly("again"));
    }

    @Test
    void getCurrentResultWorksWithoutSubscribers() {
        QueryObserver<List<String>> observer = client.watch(manual().build());
        assertThat(observer.getCurrentResult().status()).isEqualTo(QueryStatus.IDLE);
        client.setQueryData(key, List.of("z"));
        assertThat(observer.getCurrentResult().data()).containsExactly("z");
        assertThat(observer.subscriberCount()).isZero();
        assertThat(calls).hasValue(0);
    }
}
