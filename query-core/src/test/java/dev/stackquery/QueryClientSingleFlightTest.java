package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class QueryClientSingleFlightTest {

    private static final int CALLERS = 32;

    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    private final QueryClient client = QueryClient.builder().build();

    @AfterEach
    void close() throws InterruptedException {
        client.close();
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Starts CALLERS threads at once, each calling {@code fetch}; returns their futures. */
    private List<CompletableFuture<String>> stampede(java.util.function.Supplier<CompletableFuture<String>> fetch)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(CALLERS);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<String>>> submitted = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            submitted.add(CompletableFuture.supplyAsync(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return fetch.get();
            }, callers));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (var s : submitted) {
            results.add(s.join());
        }
        return results;
    }

    @RepeatedTest(50)
    void concurrentCallersOfOneColdKeyShareOneCall() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        QueryOptions<String> options = QueryOptions.builder(QueryKey.of("cold"), ctx -> {
            calls.incrementAndGet();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return "value";
        }).build();

        List<CompletableFuture<String>> results = stampede(() -> client.fetchQuery(options));
        release.countDown();
        for (CompletableFuture<String> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("value");
        }
        assertThat(calls).hasValue(1);
    }

    @RepeatedTest(20)
    void concurrentCallersAllReceiveTheSharedFailure() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        QueryOptions<String> options = QueryOptions.<String>builder(QueryKey.of("failing"), ctx -> {
            calls.incrementAndGet();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            throw new IllegalStateException("upstream down");
        }).retry(0).build();

        List<CompletableFuture<String>> results = stampede(() -> client.fetchQuery(options));
        release.countDown();
        for (CompletableFuture<String> result : results) {
            assertThat(result).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                    .havingCause().isInstanceOf(QueryFetchException.class)
                    .havingCause().withMessage("upstream down");
        }
        assertThat(calls).hasValue(1);
    }

    @RepeatedTest(20)
    void mixedFetchAndFreshCallersOnAStaleKeyTriggerOneRefetch() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        QueryKey key = QueryKey.of("stale");
        client.setQueryData(key, "old");
        QueryOptions<String> options = QueryOptions.builder(key, ctx -> {
            calls.incrementAndGet();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            return "new";
        }).build();
        AtomicInteger turn = new AtomicInteger();
        List<CompletableFuture<String>> results = stampede(() -> turn.incrementAndGet() % 2 == 0
                ? client.fetchQuery(options) : client.fetchFreshQuery(options));
        release.countDown();
        for (CompletableFuture<String> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isIn("old", "new");
        }
        assertThat(calls).hasValue(1);
        assertThat(client.<String>getQueryData(key)).contains("new");
    }

    @Test
    void cancellingOneCallersFutureDetachesOnlyThatCaller() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> source = new CompletableFuture<>();
        QueryOptions<String> options = QueryOptions.async(QueryKey.of("k"), ctx -> {
            calls.incrementAndGet();
            return source;
        }).build();
        CompletableFuture<String> first = client.fetchQuery(options);
        CompletableFuture<String> second = client.fetchQuery(options);
        assertThat(first.cancel(true)).isTrue();
        source.complete("done");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(first).isCancelled();
        assertThat(calls).hasValue(1);
        assertThat(client.<String>getQueryData(QueryKey.of("k"))).contains("done");
    }

    @Test
    void cancelQueriesCancelsTheSharedFetchForEveryCaller() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        QueryOptions<String> options = QueryOptions.builder(QueryKey.of("slow"), ctx -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        }).build();
        CompletableFuture<String> a = client.fetchQuery(options);
        CompletableFuture<String> b = client.fetchQuery(options);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        client.cancelQueries(QueryFilter.exact(QueryKey.of("slow"))).join();
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the running function is interrupted").isTrue();
        for (CompletableFuture<String> f : List.of(a, b)) {
            assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                    .havingRootCause().isInstanceOf(java.util.concurrent.CancellationException.class);
        }
        QueryState<Object> state = client.getQueryState(QueryKey.of("slow")).orElseThrow();
        assertThat(state.fetchStatus()).isEqualTo(FetchStatus.IDLE);
        assertThat(state.status()).as("back to what it was before the fetch").isEqualTo(QueryStatus.IDLE);
    }

    @RepeatedTest(10)
    void manyKeysUnderContentionEachFetchExactlyOnce() throws Exception {
        int keys = 16;
        AtomicInteger[] calls = new AtomicInteger[keys];
        for (int i = 0; i < keys; i++) {
            calls[i] = new AtomicInteger();
        }
        AtomicInteger turn = new AtomicInteger();
        List<CompletableFuture<String>> results = stampede(() -> {
            int k = turn.getAndIncrement() % keys;
            return client.fetchQuery(QueryOptions.builder(QueryKey.of("k", k), ctx -> {
                calls[k].incrementAndGet();
                Thread.sleep(5);
                return "v" + k;
            }).staleTime(Duration.ofMinutes(1)).build());
        });
        for (CompletableFuture<String> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).startsWith("v");
        }
        for (int i = 0; i < keys; i++) {
            assertThat(calls[i]).as("calls of key %d", i).hasValue(1);
        }
    }
}
