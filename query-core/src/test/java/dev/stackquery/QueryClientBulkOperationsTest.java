package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryClientBulkOperationsTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void close() {
        client.close();
    }

    private QueryOptions<String> options(Object... parts) {
        return QueryOptions.builder(QueryKey.of(parts), ctx -> ctx.key() + "#" + calls.incrementAndGet())
                .staleTime(Duration.ofMinutes(10)).build();
    }

    private void fill() {
        client.fetchQuery(options("user", 1)).join();
        client.fetchQuery(options("user", 2)).join();
        client.fetchQuery(options("users")).join();
        client.fetchQuery(options("post", 1)).join();
    }

    private static List<QueryKey> keys(List<QuerySnapshot> snapshots) {
        List<QueryKey> keys = new ArrayList<>();
        snapshots.forEach(s -> keys.add(s.key()));
        return keys;
    }

    @Test
    void filtersSelectByWholePartPrefixExactKeyPredicateOrAll() {
        fill();
        assertThat(keys(client.findAll(QueryFilter.prefix("user"))))
                .containsExactlyInAnyOrder(QueryKey.of("user", 1), QueryKey.of("user", 2));
        assertThat(keys(client.findAll(QueryFilter.exact(QueryKey.of("user", 2)))))
                .containsExactly(QueryKey.of("user", 2));
        assertThat(client.findAll(QueryFilter.all())).hasSize(4);
        assertThat(keys(client.findAll(QueryFilter.where(s -> s.key().size() == 1))))
                .containsExactly(QueryKey.of("users"));
        assertThat(client.findAll(QueryFilter.prefix(QueryKey.of()))).hasSize(4);
    }

    @Test
    void invalidateMarksOnlyTheMatchesStaleAndReportsThem() {
        fill();
        client.invalidateQueries(QueryFilter.prefix("user")).join();
        assertThat(client.findAll(QueryFilter.where(s -> s.state().invalidated())))
                .extracting(QuerySnapshot::key)
                .containsExactlyInAnyOrder(QueryKey.of("user", 1), QueryKey.of("user", 2));
        assertThat(events.of(QueryCacheEvent.Invalidated.class)).hasSize(2)
                .allSatisfy(e -> assertThat(e.origin()).isEqualTo(QueryCacheEvent.Origin.LOCAL));
        assertThat(calls).as("inactive queries are not refetched by invalidation").hasValue(4);
    }

    @Test
    void refetchQueriesRefetchesMatchesIgnoringFreshness() {
        fill();
        client.refetchQueries(QueryFilter.prefix("user")).join();
        assertThat(calls).hasValue(6);
        assertThat(client.<String>getQueryData(QueryKey.of("user", 1))).hasValueSatisfying(v -> assertThat(v)
                .matches("\\[\"user\",1]#[56]"));
        assertThat(client.<String>getQueryData(QueryKey.of("post", 1))).contains("[\"post\",1]#4");
    }

    @Test
    void refetchQueriesSkipsQueriesThatHaveNoFunction() {
        client.setQueryData(QueryKey.of("manual"), "set by hand");
        assertThat(client.refetchQueries(QueryFilter.all())).succeedsWithin(Duration.ZERO);
        assertThat(client.<String>getQueryData(QueryKey.of("manual"))).contains("set by hand");
    }

    @Test
    void removeQueriesCancelsTheirFetchAndForgetsThem() {
        List<CompletableFuture<String>> pending = new ArrayList<>();
        CompletableFuture<String> waiting = client.fetchQuery(QueryOptions.async(QueryKey.of("user", 9), ctx -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }).build());
        client.removeQueries(QueryFilter.prefix("user")).join();
        assertThat(waiting).isCompletedExceptionally();
        assertThat(client.getQueryState(QueryKey.of("user", 9))).isEmpty();
        pending.get(0).complete("too late");
        assertThat(client.getQueryState(QueryKey.of("user", 9))).as("a late result does not revive it").isEmpty();
        assertThat(events.of(QueryCacheEvent.Removed.class)).extracting(QueryCacheEvent::key)
                .containsExactly(QueryKey.of("user", 9));
    }

    @Test
    void resetQueriesGoesBackToInitialDataOrNothing() {
        QueryOptions<String> seeded = QueryOptions.builder(QueryKey.of("seeded"), ctx -> "fetched")
                .initialData("initial").build();
        client.fetchFreshQuery(seeded).join();
        assertThat(client.<String>getQueryData(QueryKey.of("seeded"))).contains("fetched");
        fill();
        client.resetQueries(QueryFilter.all()).join();
        assertThat(client.<String>getQueryData(QueryKey.of("seeded"))).contains("initial");
        QueryState<Object> plain = client.getQueryState(QueryKey.of("user", 1)).orElseThrow();
        assertThat(plain.status()).isEqualTo(QueryStatus.IDLE);
        assertThat(plain.hasData()).isFalse();
    }

    @Test
    void cancellingAFetchOfAQueryWithDataKeepsItsData() {
        client.setQueryData(QueryKey.of("user", 1), "old");
        List<CompletableFuture<String>> pending = new ArrayList<>();
        client.fetchFreshQuery(QueryOptions.async(QueryKey.of("user", 1), ctx -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }).build());
        assertThat(client.getQueryState(QueryKey.of("user", 1)).orElseThrow().isFetching()).isTrue();
        client.cancelQueries(QueryFilter.prefix("user")).join();
        QueryState<String> state = client.<String>getQueryState(QueryKey.of("user", 1)).orElseThrow();
        assertThat(state.data()).isEqualTo("old");
        assertThat(state.status()).isEqualTo(QueryStatus.SUCCESS);
        assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
        assertThat(events.of(QueryCacheEvent.FetchCancelled.class)).hasSize(1);
    }

    @Test
    void eventsTellTheWholeStoryOfAFetch() {
        QueryOptions<String> options = options("story");
        client.fetchQuery(options).join();
        client.fetchQuery(options).join();
        List<QueryCacheEvent> story = events.all();
        assertThat(story).first().isInstanceOf(QueryCacheEvent.Added.class);
        assertThat(story).filteredOn(e -> e instanceof QueryCacheEvent.Lookup).extracting(e ->
                ((QueryCacheEvent.Lookup) e).result())
                .containsExactly(QueryCacheEvent.LookupResult.MISS, QueryCacheEvent.LookupResult.HIT);
        assertThat(story).filteredOn(e -> e instanceof QueryCacheEvent.Updated)
                .extracting(e -> ((QueryCacheEvent.Updated) e).state().status())
                .containsExactly(QueryStatus.PENDING, QueryStatus.SUCCESS);
        assertThat(story).hasAtLeastOneElementOfType(QueryCacheEvent.FetchStarted.class)
                .hasAtLeastOneElementOfType(QueryCacheEvent.FetchSucceeded.class);
    }

    @Test
    void aRemovedListenerHearsNothingMore() {
        FakeTime.Recorder late = new FakeTime.Recorder();
        Subscription subscription = client.addListener(late);
        client.setQueryData(QueryKey.of("a"), 1);
        subscription.unsubscribe();
        client.setQueryData(QueryKey.of("b"), 2);
        assertThat(late.all()).extracting(QueryCacheEvent::key).containsOnly(QueryKey.of("a"));
    }
}
