package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** The client's time limit of L2 calls and a backend's own ({@link StorageBackend#callTimeout()}). */
class QueryClientBackendTimeoutTest {

    /** An L2 whose lookups never answer until the test fails them, as a backend's own timer would. */
    static final class SlowStorage implements StorageBackend {
        final InMemoryStorageBackend delegate;
        final Optional<Duration> bound;
        volatile CompletableFuture<Lookup> lastLookup;

        SlowStorage(InMemoryStorageBackend delegate, Optional<Duration> bound) {
            this.delegate = delegate;
            this.bound = bound;
        }

        @Override
        public CompletableFuture<Lookup> lookup(QueryKey key) {
            CompletableFuture<Lookup> call = new CompletableFuture<>();
            lastLookup = call;
            return call;
        }

        @Override
        public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
            return lookup(key).thenApply(Lookup::entry);
        }

        @Override
        public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
            return delegate.put(key, entry, ttl);
        }

        @Override
        public CompletableFuture<Void> delete(QueryKey key) {
            return delegate.delete(key);
        }

        @Override
        public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
            return delegate.deleteByPrefix(prefix);
        }

        @Override
        public Optional<Duration> callTimeout() {
            return bound;
        }

        @Override
        public void close() {
        }
    }

    private final FakeTime time = new FakeTime();
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryKey key = QueryKey.of("products", "p1");

    private QueryClient client(StorageBackend backend) {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run).storage(backend)
                .storageTimeout(Duration.ofMillis(250)).listener(events).build();
    }

    private QueryOptions<String> options() {
        return QueryOptions.<String>builder(key, ctx -> "from the source").type(String.class).build();
    }

    @Test
    void aBackendThatTimesOutItsOwnCallsWithinTheStorageTimeoutGetsNoSecondTimer() {
        SlowStorage storage = new SlowStorage(new InMemoryStorageBackend(time.clock()),
                Optional.of(Duration.ofMillis(200)));
        try (QueryClient client = client(storage)) {
            CompletableFuture<String> result = client.fetchQuery(options());
            time.advance(Duration.ofSeconds(1));
            assertThat(result).as("no timer of the client's: the backend's own decides").isNotDone();

            storage.lastLookup.completeExceptionally(new TimeoutException("the backend's own timeout"));

            assertThat(result.join()).isEqualTo("from the source");
            assertThat(events.of(QueryCacheEvent.StorageError.class)).first()
                    .satisfies(e -> assertThat(e.error()).hasMessage("the backend's own timeout"));
        }
    }

    @Test
    void aBackendBoundLooserThanTheStorageTimeoutIsCutOffByTheClient() {
        SlowStorage storage = new SlowStorage(new InMemoryStorageBackend(time.clock()),
                Optional.of(Duration.ofSeconds(2)));
        try (QueryClient client = client(storage)) {
            CompletableFuture<String> result = client.fetchQuery(options());
            time.advance(Duration.ofMillis(249));
            assertThat(result).isNotDone();
            time.advance(Duration.ofMillis(1));

            assertThat(result.join()).isEqualTo("from the source");
            assertThat(events.of(QueryCacheEvent.StorageError.class)).first()
                    .satisfies(e -> assertThat(e.error()).isInstanceOf(TimeoutException.class)
                            .hasMessageContaining("took longer than PT0.25S"));
        }
    }

    @Test
    void aLateAnswerAfterTheClientsTimeoutIsDropped() {
        SlowStorage storage = new SlowStorage(new InMemoryStorageBackend(time.clock()), Optional.empty());
        try (QueryClient client = client(storage)) {
            CompletableFuture<String> result = client.fetchQuery(options());
            time.advance(Duration.ofMillis(250));
            assertThat(result.join()).isEqualTo("from the source");

            storage.lastLookup.complete(new StorageBackend.Lookup(Optional.of(new StorageEntry(
                    "\"from L2\"".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.time.Instant.ofEpochMilli(time.millis()))), ""));

            assertThat(client.<String>getQueryData(key)).contains("from the source");
            assertThat(events.of(QueryCacheEvent.StorageError.class)).as("one timeout, nothing else").hasSize(1);
        }
    }
}
