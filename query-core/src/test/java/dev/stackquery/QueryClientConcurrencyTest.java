package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.RepeatedTest;

/** Real threads hammering one client with every operation at once; nothing may hang, leak or break. */
class QueryClientConcurrencyTest {

    private static final int THREADS = 8;
    private static final int OPERATIONS_PER_THREAD = 400;
    private static final int KEYS = 6;

    @RepeatedTest(5)
    void mixedOperationsOnFewKeysLeaveACoherentCache() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        InMemoryStorageBackend l2 = new InMemoryStorageBackend();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicInteger inFunction = new AtomicInteger();
        ConcurrentLinkedQueue<CompletableFuture<?>> results = new ConcurrentLinkedQueue<>();
        try (QueryClient client = QueryClient.builder().storage(l2).maxQueries(KEYS - 2).build()) {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(CompletableFuture.runAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < OPERATIONS_PER_THREAD; i++) {
                        int k = random.nextInt(KEYS);
                        QueryKey key = QueryKey.of("k", k);
                        QueryOptions<String> options = QueryOptions.builder(key, ctx -> {
                            inFunction.incrementAndGet();
                            try {
                                if (random.nextInt(10) == 0) {
                                    throw new IllegalStateException("flaky");
                                }
                                return "v" + k;
                            } finally {
                                inFunction.decrementAndGet();
                            }
                        }).type(String.class).retry(1).retryDelay(RetryDelay.fixed(Duration.ZERO))
                                .staleTime(Duration.ofMillis(random.nextInt(3))).build();
                        try {
                            switch (random.nextInt(10)) {
                                case 0 -> results.add(client.invalidateQueries(QueryFilter.prefix("k")));
                                case 1 -> results.add(client.removeQueries(QueryFilter.exact(key)));
                                case 2 -> client.setQueryData(key, "v" + k);
                                case 3 -> results.add(client.cancelQueries(QueryFilter.exact(key)));
                                case 4 -> results.add(client.fetchFreshQuery(options));
                                case 5 -> results.add(client.resetQueries(QueryFilter.exact(key)));
                                case 6 -> results.add(client.ensureQueryData(options));
                                default -> results.add(client.fetchQuery(options));
                            }
                        } catch (RuntimeException e) {
                            unexpected.add(e);
                        }
                    }
                }, threads));
            }
            go.countDown();
            for (CompletableFuture<Void> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
            for (CompletableFuture<?> result : results) {
                try {
                    Object value = result.get(60, TimeUnit.SECONDS);
                    if (value != null) {
                        assertThat((String) value).matches("v[0-9]");
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (!(cause instanceof QueryFetchException || cause instanceof CancellationException)) {
                        unexpected.add(cause);
                    }
                } catch (CancellationException expected) {
                    // a caller's own future cancelled by cancelQueries: fine
                }
            }
            assertThat(unexpected).isEmpty();
            assertThat(inFunction).hasValue(0);
            for (QuerySnapshot snapshot : client.findAll(QueryFilter.all())) {
                QueryState<?> state = snapshot.state();
                assertThat(state.fetchStatus()).as("no fetch left running for %s", snapshot.key())
                        .isEqualTo(FetchStatus.IDLE);
                if (state.hasData()) {
                    assertThat(state.data()).isEqualTo("v" + snapshot.key().part(1));
                }
            }
            assertThat(client.size()).isLessThanOrEqualTo(KEYS);
        } finally {
            threads.shutdownNow();
        }
    }
}
