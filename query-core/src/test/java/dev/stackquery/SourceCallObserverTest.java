package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** What a {@link SourceCallObserver} is told: each attempt, on which thread, with the fetch's context, once ended. */
class SourceCallObserverTest {

    private final FakeTime time = new FakeTime();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    private final SourceCallObserver recorder = new SourceCallObserver() {
        @Override
        public @Nullable Object fetchStarting(QueryKey key) {
            seen.add("fetch " + key + " on " + Thread.currentThread().getName());
            return "context of " + Thread.currentThread().getName();
        }

        @Override
        public Call calling(QueryKey key, int attempt, @Nullable Object fetchContext) {
            seen.add("call " + attempt + " with " + fetchContext);
            return new Call() {
                @Override
                public void returned() {
                    seen.add("returned " + attempt);
                }

                @Override
                public void ended(@Nullable Throwable error) {
                    seen.add("ended " + attempt + " " + (error == null ? "ok" : error.getMessage()));
                }
            };
        }
    };

    @Test
    void eachAttemptIsOneObservedCallWithTheCallersContext() {
        AtomicInteger calls = new AtomicInteger();
        try (QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .sourceCallObserver(recorder).build()) {
            Thread.currentThread().setName("caller");
            var result = client.fetchQuery(QueryOptions.<String>builder(QueryKey.of("k"), ctx -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("flaky");
                }
                return "v";
            }).retryDelay(RetryDelay.fixed(Duration.ofMillis(10))).build());
            time.advance(Duration.ofMillis(10));
            assertThat(result).isCompletedWithValue("v");
        }
        assertThat(seen).containsExactly("fetch [\"k\"] on caller", "call 1 with context of caller", "returned 1",
                "ended 1 flaky", "call 2 with context of caller", "returned 2", "ended 2 ok");
    }

    @Test
    void aThrowingObserverNeverFailsAFetch() {
        SourceCallObserver broken = (key, attempt, context) -> {
            throw new IllegalStateException("observer bug");
        };
        try (QueryClient client = QueryClient.builder().executor(Runnable::run).sourceCallObserver(broken).build()) {
            assertThat(client.fetchQuery(QueryOptions.builder(QueryKey.of("k"), ctx -> "v").build()).join())
                    .isEqualTo("v");
        }
    }

    @Test
    void aTimedOutOrCancelledCallEndsOnce() {
        try (QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .sourceCallObserver(recorder).build()) {
            client.fetchQuery(QueryOptions.<String>async(QueryKey.of("slow"), ctx -> new java.util.concurrent
                    .CompletableFuture<>()).retry(0).timeout(Duration.ofSeconds(1)).build());
            time.advance(Duration.ofSeconds(1));
            client.fetchQuery(QueryOptions.<String>async(QueryKey.of("held"), ctx -> new java.util.concurrent
                    .CompletableFuture<>()).retry(0).build());
            client.cancelQueries(QueryFilter.exact(QueryKey.of("held"))).join();
        }
        assertThat(seen.stream().filter(s -> s.startsWith("ended"))).hasSize(2).anyMatch(s -> s.contains("timed out"))
                .anyMatch(s -> s.contains("cancelled"));
    }
}
