package dev.stackquery.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryContext;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryResult;
import dev.stackquery.QueryStatus;
import dev.stackquery.TypeRef;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/** The Reactor facade: cold, one fetch per key however many subscribers, a cancel detaches one subscriber only. */
class ReactiveQueryClientTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final QueryClient client = QueryClient.builder().clock(clock).executor(Runnable::run).build();
    private final ReactiveQueryClient reactive = ReactiveQueryClient.of(client);
    private final QueryKey key = QueryKey.of("product", 1);
    private final List<CompletableFuture<String>> calls = new ArrayList<>();
    private final List<QueryContext> contexts = new ArrayList<>();

    @AfterEach
    void close() {
        client.close();
    }

    private QueryOptions<String> held() {
        return QueryOptions.<String>async(key, ctx -> {
            CompletableFuture<String> call = new CompletableFuture<>();
            calls.add(call);
            contexts.add(ctx);
            return call;
        }).retry(0).staleTime(Duration.ofMinutes(1)).build();
    }

    @Test
    void nothingHappensUntilSubscribedAndThenOnceForEverySubscriber() {
        var first = reactive.fetchQuery(held());
        var second = reactive.fetchQuery(held());
        assertThat(calls).as("cold").isEmpty();
        AtomicReference<String> a = new AtomicReference<>();
        AtomicReference<String> b = new AtomicReference<>();
        first.subscribe(a::set);
        second.subscribe(b::set);
        assertThat(calls).as("single flight").hasSize(1);
        calls.get(0).complete("v1");
        assertThat(a).hasValue("v1");
        assertThat(b).hasValue("v1");
        StepVerifier.create(reactive.fetchQuery(held())).expectNext("v1").verifyComplete();
        assertThat(calls).as("fresh: from the cache").hasSize(1);
    }

    @Test
    void cancellingOneSubscriptionDetachesThatSubscriberOnly() {
        AtomicReference<String> kept = new AtomicReference<>();
        Disposable leaving = reactive.fetchQuery(held()).subscribe(value -> { throw new AssertionError(value); });
        reactive.fetchQuery(held()).subscribe(kept::set);
        leaving.dispose();
        assertThat(contexts.get(0).isCancelled()).as("the fetch goes on").isFalse();
        calls.get(0).complete("v1");
        assertThat(kept).hasValue("v1");
        assertThat(client.getQueryData(key)).contains("v1");
    }

    @Test
    void freshWaitsAfterAnInvalidationAndFailuresNameTheKey() {
        client.setQueryData(key, "old");
        StepVerifier.create(reactive.invalidateQueries(QueryFilter.exact(key))).verifyComplete();
        StepVerifier.create(reactive.fetchFreshQuery(held()))
                .then(() -> calls.get(0).complete("new"))
                .expectNext("new").verifyComplete();
        StepVerifier.create(reactive.fetchFreshQuery(QueryOptions.<String>builder(QueryKey.of("down"), ctx -> {
            throw new IllegalStateException("upstream down");
        }).retry(0).build())).expectErrorSatisfies(error -> assertThat(error).isInstanceOf(QueryFetchException.class)
                .hasRootCauseMessage("upstream down")).verify();
        StepVerifier.create(reactive.getQueryData(QueryKey.of("absent"), TypeRef.of(String.class))).verifyComplete();
        StepVerifier.create(reactive.getQueryData(key, TypeRef.of(String.class))).expectNext("new").verifyComplete();
    }

    @Test
    void watchStreamsResultsAndCancellingUnsubscribes() {
        List<QueryResult<String>> seen = new ArrayList<>();
        Disposable watching = reactive.watch(held()).subscribe(seen::add);
        assertThat(calls).as("the first subscriber fetches").hasSize(1);
        calls.get(0).complete("v1");
        assertThat(seen).extracting(QueryResult::status).containsExactly(QueryStatus.IDLE, QueryStatus.PENDING,
                QueryStatus.SUCCESS);
        assertThat(client.findAll(QueryFilter.exact(key)).get(0).observerCount()).isEqualTo(1);
        watching.dispose();
        assertThat(client.findAll(QueryFilter.exact(key)).get(0).observerCount()).isZero();
    }
}
