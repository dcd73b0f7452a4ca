package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryClientStaleWhileRevalidateTest {

    private final FakeTime time = new FakeTime();
    private final List<CompletableFuture<String>> pending = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).build();
    private final QueryKey key = QueryKey.of("user", 1);

    @AfterEach
    void close() {
        client.close();
    }

    /** A function that answers "v1", "v2"... one per call, at once. */
    private QueryOptions.Builder<String> counting() {
        return QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet());
    }

    /** A function whose calls the test completes by hand. */
    private QueryOptions.Builder<String> manual() {
        return QueryOptions.async(key, ctx -> {
            calls.incrementAndGet();
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        });
    }

    @Test
    void freshDataIsServedWithoutCallingTheFunction() {
        QueryOptions<String> options = counting().staleTime(Duration.ofSeconds(30)).build();
        assertThat(client.fetchQuery(options).join()).isEqualTo("v1");
        time.advance(Duration.ofSeconds(29));
        assertThat(client.fetchQuery(options).join()).isEqualTo("v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void staleDataIsServedAtOnceWhileOneRefetchRuns() {
        QueryOptions<String> options = manual().staleTime(Duration.ofSeconds(30)).build();
        CompletableFuture<String> first = client.fetchQuery(options);
        pending.get(0).complete("old");
        assertThat(first.join()).isEqualTo("old");

        time.advance(Duration.ofSeconds(30));
        CompletableFuture<String> a = client.fetchQuery(options);
        CompletableFuture<String> b = client.fetchQuery(options);
        assertThat(a).isCompletedWithValue("old");
        assertThat(b).isCompletedWithValue("old");
        assertThat(calls).as("one background refetch for both stale reads").hasValue(2);
        assertThat(client.<String>getQueryState(key).orElseThrow().isFetching()).isTrue();

        pending.get(1).complete("new");
        assertThat(client.fetchQuery(options).join()).isEqualTo("new");
        assertThat(calls).hasValue(2);
    }

    @Test
    void withoutDataTheCallerWaitsForTheFetch() {
        CompletableFuture<String> result = client.fetchQuery(manual().build());
        assertThat(result).isNotDone();
        assertThat(client.getQueryState(key).orElseThrow().status()).isEqualTo(QueryStatus.PENDING);
        pending.get(0).complete("v");
        assertThat(result).isCompletedWithValue("v");
        QueryState<Object> state = client.getQueryState(key).orElseThrow();
        assertThat(state.status()).isEqualTo(QueryStatus.SUCCESS);
        assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
        assertThat(state.dataUpdatedAt().toEpochMilli()).isEqualTo(time.millis());
    }

    @Test
    void eachCallerJudgesFreshnessByItsOwnStaleTime() {
        QueryOptions<String> patient = counting().staleTime(Duration.ofMinutes(10)).build();
        QueryOptions<String> eager = counting().staleTime(Duration.ofSeconds(1)).build();
        client.fetchQuery(patient).join();
        time.advance(Duration.ofSeconds(5));
        assertThat(client.fetchQuery(patient).join()).isEqualTo("v1");
        assertThat(calls).hasValue(1);
        assertThat(client.fetchQuery(eager).join()).as("stale for this caller: old value now").isEqualTo("v1");
        assertThat(calls).as("and a refetch").hasValue(2);
    }

    @Test
    void anExplicitOptionEqualToTheDefaultStillOverridesClientDefaults() {
        try (QueryClient patientClient = QueryClient.builder().clock(time.clock()).scheduler(time)
                .executor(Runnable::run).defaults(QueryDefaults.builder().staleTime(Duration.ofHours(1)).build())
                .build()) {
            patientClient.fetchQuery(counting().build()).join();
            patientClient.fetchQuery(counting().build()).join();
            assertThat(calls).as("inherits one hour").hasValue(1);
            patientClient.fetchQuery(counting().staleTime(Duration.ZERO).build()).join();
            assertThat(calls).as("explicit zero is kept although it equals the standard default").hasValue(2);
        }
    }

    @Test
    void fetchFreshQueryWaitsForTheRefetchInsteadOfServingStaleData() {
        QueryOptions<String> options = manual().build();
        CompletableFuture<String> first = client.fetchQuery(options);
        pending.get(0).complete("old");
        first.join();

        CompletableFuture<String> fresh = client.fetchFreshQuery(options);
        CompletableFuture<String> swr = client.fetchQuery(options);
        assertThat(fresh).isNotDone();
        assertThat(swr).isCompletedWithValue("old");
        assertThat(calls).as("both share one refetch").hasValue(2);
        pending.get(1).complete("new");
        assertThat(fresh).isCompletedWithValue("new");
    }

    @Test
    void ensureQueryDataReturnsDataOfAnyAgeWithoutFetching() {
        QueryOptions<String> options = counting().build();
        client.fetchQuery(options).join();
        time.advance(Duration.ofMinutes(4)); // stale long since, but within the 5 min gcTime
        assertThat(client.ensureQueryData(options).join()).isEqualTo("v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void ensureQueryDataFetchesWhenThereIsNoData() {
        assertThat(client.ensureQueryData(counting().build()).join()).isEqualTo("v1");
    }

    @Test
    void prefetchWarmsTheCacheAndNeverFails() {
        assertThat(client.prefetchQuery(counting().build()).join()).isNull();
        assertThat(client.<String>getQueryData(key)).contains("v1");

        QueryOptions<String> failing = QueryOptions.<String>builder(QueryKey.of("broken"), ctx -> {
            throw new IllegalStateException("down");
        }).retry(0).build();
        assertThat(client.prefetchQuery(failing)).succeedsWithin(Duration.ZERO);
        assertThat(client.getQueryState(QueryKey.of("broken")).orElseThrow().status()).isEqualTo(QueryStatus.ERROR);
    }

    @Test
    void initialDataIsTreatedAsFetchedWhenTheQueryIsCreated() {
        QueryOptions<String> options = counting().initialData("seed").staleTime(Duration.ofSeconds(10)).build();
        assertThat(client.fetchQuery(options).join()).isEqualTo("seed");
        assertThat(calls).hasValue(0);
        time.advance(Duration.ofSeconds(10));
        assertThat(client.fetchQuery(options).join()).isEqualTo("seed");
        assertThat(calls).as("stale initial data triggers a refetch").hasValue(1);
        assertThat(client.<String>getQueryData(key)).contains("v1");
    }

    @Test
    void nullResultFailsWithAClearMessageAndIsNotRetriedOrCached() {
        QueryOptions<String> options = QueryOptions.<String>builder(key, ctx -> {
            calls.incrementAndGet();
            return null;
        }).retry(3).build();
        assertThatThrownBy(() -> client.fetchQuery(options).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(QueryFetchException.class)
                .hasMessageContaining("[\"user\",1]")
                .cause().isInstanceOf(NullPointerException.class).hasMessageContaining("returned null");
        assertThat(calls).hasValue(1);
        assertThat(client.getQueryData(key)).isEmpty();
    }

    @Test
    void invalidatedDataIsStaleForEveryCaller() {
        QueryOptions<String> options = counting().staleTime(Duration.ofHours(1)).build();
        client.fetchQuery(options).join();
        client.invalidateQueries(QueryFilter.prefix("user")).join();
        assertThat(client.getQueryState(key).orElseThrow().invalidated()).isTrue();
        assertThat(client.fetchQuery(options).join()).as("stale value at once").isEqualTo("v1");
        assertThat(calls).hasValue(2);
        assertThat(client.getQueryState(key).orElseThrow().invalidated()).as("cleared by the refetch").isFalse();
        assertThat(client.fetchQuery(options).join()).isEqualTo("v2");
    }

    @Test
    void setQueryDataCreatesFreshDataAndTheUpdaterSeesTheCurrentValue() {
        QueryOptions<String> options = counting().staleTime(Duration.ofMinutes(1)).build();
        client.setQueryData(key, "manual");
        assertThat(client.fetchQuery(options).join()).isEqualTo("manual");
        assertThat(calls).hasValue(0);
        assertThat(client.<String>setQueryData(key, current -> current + "+1")).contains("manual+1");
        assertThat(client.<String>setQueryData(key, current -> null)).isEmpty();
        assertThat(client.<String>getQueryData(key)).contains("manual+1");
        assertThat(client.<String>setQueryData(QueryKey.of("other"), current -> current == null ? "new" : "had"))
                .contains("new");
    }

    @Test
    void cachedDataComesInASharedCompletedFutureThatNoCallerCanChange() {
        QueryOptions<String> options = counting().staleTime(Duration.ofMinutes(1)).build();
        client.fetchQuery(options).join();
        CompletableFuture<String> a = client.fetchQuery(options);
        CompletableFuture<String> b = client.fetchQuery(options);
        assertThat(a).isCompletedWithValue("v1").isSameAs(b);
        assertThat(a.cancel(true)).isFalse();
        assertThat(a.complete("other")).isFalse();
        assertThatThrownBy(() -> a.obtrudeValue("other")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.obtrudeException(new IllegalStateException()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(b).isCompletedWithValue("v1");
        assertThat(a.thenApply(String::length).join()).isEqualTo(2);
        client.setQueryData(key, "v2");
        assertThat(client.fetchQuery(options)).as("a new state, a new future").isNotSameAs(a)
                .isCompletedWithValue("v2");
    }

    @Test
    void callsAfterCloseFailWithAClearMessage() {
        client.close();
        assertThatThrownBy(() -> client.fetchQuery(counting().build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
