package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What tools (the devtools page) read and force: the options a query was fetched with, and a state set from outside. */
class QueryClientInspectionTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final QueryKey key = QueryKey.of("product", 1);

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void theOptionsAreTheLatestCallersAndAbsentForSetOrMissingQueries() {
        assertThat(client.getQueryOptions(key)).isEmpty();
        client.setQueryData(key, "set");
        assertThat(client.getQueryOptions(key)).as("only set").isEmpty();

        QueryOptions<String> first = QueryOptions.<String>builder(key, ctx -> "a").staleTime(Duration.ZERO).build();
        QueryOptions<String> second = QueryOptions.<String>builder(key, ctx -> "b").retry(5).build();
        client.fetchQuery(first).join();
        assertThat(client.<String>getQueryOptions(key)).containsSame(first);
        client.fetchQuery(second).join();
        assertThat(client.<String>getQueryOptions(key)).containsSame(second);
    }

    @Test
    void aForcedStateReachesObserversAndListenersAndTheNextFetchReplacesIt() {
        QueryOptions<String> options = QueryOptions.<String>builder(key, ctx -> "fetched").staleTime(Duration.ZERO)
                .retry(0).build();
        client.fetchQuery(options).join();
        QueryObserver<String> observer = client.watch(options);
        List<QueryResult<String>> seen = new ArrayList<>();
        try (Subscription ignored = observer.subscribe(seen::add)) {
            RuntimeException forced = new IllegalStateException("forced by the devtools");
            QueryState<String> failed = new QueryState<>(null, null, forced, Instant.ofEpochMilli(time.millis()), 1,
                    forced, QueryStatus.ERROR, FetchStatus.IDLE, false);

            assertThat(client.setQueryState(key, failed)).isTrue();

            assertThat(client.<String>getQueryState(key)).contains(failed);
            assertThat(observer.getCurrentResult().isError()).isTrue();
            assertThat(seen.get(seen.size() - 1).error()).isSameAs(forced);
            assertThat(events.of(QueryCacheEvent.Updated.class)).last()
                    .satisfies(e -> assertThat(e.state()).isEqualTo(failed));

            assertThat(client.refetchQueries(QueryFilter.exact(key)).join()).isNull();
            assertThat(client.<String>getQueryData(key)).contains("fetched");
            assertThat(observer.getCurrentResult().isSuccess()).isTrue();
        }
    }

    @Test
    void aMissingKeyIsNotCreatedByAForcedState() {
        assertThat(client.setQueryState(key, QueryState.idle())).isFalse();
        assertThat(client.size()).isZero();
        assertThat(events.of(QueryCacheEvent.Added.class)).isEmpty();
    }
}
