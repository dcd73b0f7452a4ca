package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryClientRetryTest {

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time)
            .executor(Runnable::run).listener(events).build();
    private final QueryKey key = QueryKey.of("flaky");
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void close() {
        client.close();
    }

    /** Fails the first {@code failures} calls, then answers "ok". */
    private QueryOptions.Builder<String> failing(int failures) {
        return QueryOptions.builder(key, ctx -> {
            int n = calls.incrementAndGet();
            assertThat(ctx.attempt()).isEqualTo(n);
            if (n <= failures) {
                throw new IllegalStateException("failure " + n);
            }
            return "ok";
        });
    }

    @Test
    void retriesAfterEachDelayAndSucceeds() {
        CompletableFuture<String> result = client.fetchQuery(failing(2).retryDelay(RetryDelay.fixed(
                Duration.ofSeconds(2))).build());
        assertThat(calls).hasValue(1);
        assertThat(result).isNotDone();
        assertThat(client.getQueryState(key).orElseThrow().failureCount()).isEqualTo(1);

        time.advance(Duration.ofMillis(1999));
        assertThat(calls).as("no retry before the delay").hasValue(1);
        time.advance(Duration.ofMillis(1));
        assertThat(calls).hasValue(2);
        time.advance(Duration.ofSeconds(2));
        assertThat(result).isCompletedWithValue("ok");
        assertThat(client.getQueryState(key).orElseThrow().failureCount()).as("reset by success").isZero();
        assertThat(events.of(QueryCacheEvent.FetchRetried.class)).extracting(QueryCacheEvent.FetchRetried::failedAttempt)
                .containsExactly(1, 2);
        assertThat(events.of(QueryCacheEvent.FetchSucceeded.class)).singleElement()
                .satisfies(e -> assertThat(e.attempts()).isEqualTo(3));
    }

    @Test
    void failsWithQueryFetchExceptionAfterTheLastRetry() {
        CompletableFuture<String> result = client.fetchQuery(failing(10).retry(2)
                .retryDelay(RetryDelay.fixed(Duration.ofSeconds(1))).build());
        time.advance(Duration.ofSeconds(10));
        assertThat(calls).as("one call and two retries").hasValue(3);
        assertThat(result).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(QueryFetchException.class)
                .withMessageContaining("[\"flaky\"]").withMessageContaining("3 attempts")
                .havingCause().withMessage("failure 3");
        QueryState<Object> state = client.getQueryState(key).orElseThrow();
        assertThat(state.status()).isEqualTo(QueryStatus.ERROR);
        assertThat(state.error()).hasMessage("failure 3");
        assertThat(state.failureCount()).isEqualTo(3);
        assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
    }

    @Test
    void defaultRetryIsThreeWithExponentialBackoff() {
        CompletableFuture<String> result = client.fetchQuery(failing(10).build());
        time.advance(Duration.ofMinutes(2));
        assertThat(calls).hasValue(4);
        assertThat(result).isCompletedExceptionally();
        List<QueryCacheEvent.FetchRetried> retries = events.of(QueryCacheEvent.FetchRetried.class);
        assertThat(retries).hasSize(3);
        long[][] bounds = {{500, 1000}, {1000, 2000}, {2000, 4000}};
        for (int i = 0; i < 3; i++) {
            assertThat(retries.get(i).delay().toMillis()).as("delay %d", i + 1)
                    .isBetween(bounds[i][0], bounds[i][1]);
        }
    }

    @Test
    void failedDataKeepsTheLastGoodValue() {
        client.setQueryData(key, "good");
        CompletableFuture<String> result = client.fetchFreshQuery(failing(5).retry(0).build());
        assertThat(result).isCompletedExceptionally();
        QueryState<String> state = client.<String>getQueryState(key).orElseThrow();
        assertThat(state.status()).isEqualTo(QueryStatus.ERROR);
        assertThat(state.data()).isEqualTo("good");
    }

    @Test
    void cancellationStopsRetries() {
        CompletableFuture<String> result = client.fetchQuery(failing(10).retryDelay(RetryDelay.fixed(
                Duration.ofSeconds(1))).build());
        assertThat(calls).hasValue(1);
        client.cancelQueries(QueryFilter.exact(key)).join();
        time.advance(Duration.ofMinutes(1));
        assertThat(calls).hasValue(1);
        assertThat(result).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
                .havingRootCause().isInstanceOf(CancellationException.class);
        assertThat(client.getQueryState(key).orElseThrow().fetchStatus()).isEqualTo(FetchStatus.IDLE);
    }

    @Test
    void anAttemptThatOutlivesItsTimeoutIsCancelledAndRetried() {
        List<CompletableFuture<String>> attempts = new ArrayList<>();
        List<QueryContext> contexts = new ArrayList<>();
        AtomicBoolean onCancelRan = new AtomicBoolean();
        QueryOptions<String> options = QueryOptions.async(key, ctx -> {
            contexts.add(ctx);
            if (ctx.attempt() == 1) {
                ctx.onCancel(() -> onCancelRan.set(true));
            }
            CompletableFuture<String> f = new CompletableFuture<>();
            attempts.add(f);
            return f;
        }).timeout(Duration.ofSeconds(5)).retry(1).retryDelay(RetryDelay.fixed(Duration.ZERO)).build();

        CompletableFuture<String> result = client.fetchQuery(options);
        time.advance(Duration.ofSeconds(5));
        assertThat(contexts.get(0).isCancelled()).isTrue();
        assertThat(onCancelRan).isTrue();
        assertThat(attempts).as("retried after the timeout").hasSize(2);
        attempts.get(0).complete("late"); // ignored
        assertThat(result).isNotDone();
        attempts.get(1).complete("second");
        assertThat(result).isCompletedWithValue("second");
        assertThat(events.of(QueryCacheEvent.FetchRetried.class)).singleElement()
                .satisfies(e -> assertThat(e.error()).isInstanceOf(TimeoutException.class)
                        .hasMessageContaining("timed out after PT5S"));
    }

    @Test
    void callbacksRunOncePerFetchAndAThrowingCallbackIsIsolated() {
        AtomicInteger success = new AtomicInteger();
        AtomicInteger settled = new AtomicInteger();
        QueryOptions<String> options = failing(1).retryDelay(RetryDelay.fixed(Duration.ofSeconds(1)))
                .onSuccess(v -> {
                    success.incrementAndGet();
                    throw new IllegalStateException("callback bug");
                })
                .onSettled((v, e) -> settled.incrementAndGet())
                .build();
        CompletableFuture<String> a = client.fetchQuery(options);
        CompletableFuture<String> b = client.fetchQuery(options);
        time.advance(Duration.ofSeconds(1));
        assertThat(a).isCompletedWithValue("ok");
        assertThat(b).isCompletedWithValue("ok");
        assertThat(calls).as("the throwing callback did not re-run the fetch").hasValue(2);
        assertThat(success).hasValue(1);
        assertThat(settled).hasValue(1);
        assertThat(events.of(QueryCacheEvent.ListenerFailed.class)).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo("onSuccess"));
    }

    @Test
    void onErrorAndOnSettledSeeTheFinalFailure() {
        List<Throwable> errors = new ArrayList<>();
        List<Throwable> settled = new ArrayList<>();
        client.fetchQuery(failing(5).retry(0).onError(errors::add).onSettled((v, e) -> settled.add(e)).build());
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessage("failure 1"));
        assertThat(settled).containsExactlyElementsOf(errors);
    }

    @Test
    void aThrowingListenerNeverBreaksTheFetchOrOtherListeners() {
        FakeTime.Recorder other = new FakeTime.Recorder();
        client.addListener(event -> {
            throw new IllegalStateException("listener bug");
        });
        client.addListener(other);
        assertThat(client.fetchQuery(failing(0).build()).join()).isEqualTo("ok");
        assertThat(other.of(QueryCacheEvent.FetchSucceeded.class)).hasSize(1);
        assertThat(other.of(QueryCacheEvent.ListenerFailed.class)).isNotEmpty();
    }
}
