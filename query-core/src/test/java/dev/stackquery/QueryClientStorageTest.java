package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryClientStorageTest {

    record Product(String id, String name, int price) {
    }

    /** An L2 the test can break: it fails or never answers while told to, and counts its calls. */
    static final class BreakableStorage implements StorageBackend {
        final InMemoryStorageBackend delegate;
        volatile boolean failing;
        volatile boolean hanging;
        final AtomicInteger gets = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();

        BreakableStorage(InMemoryStorageBackend delegate) {
            this.delegate = delegate;
        }

        private <X> CompletableFuture<X> call(java.util.function.Supplier<CompletableFuture<X>> op) {
            if (hanging) {
                return new CompletableFuture<>();
            }
            if (failing) {
                return CompletableFuture.failedFuture(new java.io.IOException("connection refused"));
            }
            return op.get();
        }

        @Override
        public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
            gets.incrementAndGet();
            return call(() -> delegate.get(key));
        }

        @Override
        public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
            puts.incrementAndGet();
            return call(() -> delegate.put(key, entry, ttl));
        }

        @Override
        public CompletableFuture<Void> delete(QueryKey key) {
            return call(() -> delegate.delete(key));
        }

        @Override
        public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
            return call(() -> delegate.deleteByPrefix(prefix));
        }

        @Override
        public void close() {
        }
    }

    private final FakeTime time = new FakeTime();
    private final InMemoryStorageBackend shared = new InMemoryStorageBackend(time.clock());
    private final BreakableStorage storage = new BreakableStorage(shared);
    private final FakeTime.Recorder events = new FakeTime.Recorder();
    private final QueryClient client = newClient(storage, events);
    private final AtomicInteger calls = new AtomicInteger();
    private final QueryKey key = QueryKey.of("products", "p1");

    private QueryClient newClient(StorageBackend backend, QueryCacheListener listener) {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run).storage(backend)
                .listener(listener).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private QueryOptions.Builder<List<Product>> products(Duration staleTime) {
        return QueryOptions.builder(key, ctx -> List.of(new Product("p1", "Pen " + calls.incrementAndGet(), 3)))
                .type(new TypeRef<List<Product>>() { }).staleTime(staleTime);
    }

    @Test
    void aSuccessfulFetchIsWrittenToL2AndAnotherClientServesItWithoutCallingTheFunction() {
        List<Product> fetched = client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        assertThat(shared.size()).isEqualTo(1);

        try (QueryClient other = newClient(shared, e -> { })) {
            List<Product> served = other.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
            assertThat(served).isEqualTo(fetched).first().isInstanceOf(Product.class);
            assertThat(calls).as("served from L2").hasValue(1);
            assertThat(other.getQueryState(key).orElseThrow().dataUpdatedAt())
                    .as("keeps the original fetch time").isEqualTo(Instant.ofEpochMilli(time.millis()));
        }
    }

    @Test
    void staleL2DataIsServedAtOnceAndRefetchedInTheBackground() {
        client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        time.advance(Duration.ofMinutes(6));
        FakeTime.Recorder otherEvents = new FakeTime.Recorder();
        try (QueryClient other = newClient(shared, otherEvents)) {
            List<Product> served = other.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
            assertThat(served.get(0).name()).isEqualTo("Pen 1");
            assertThat(calls).as("stale, so refetched once").hasValue(2);
            assertThat(other.<List<Product>>getQueryData(key).orElseThrow().get(0).name()).isEqualTo("Pen 2");
            assertThat(otherEvents.of(QueryCacheEvent.Lookup.class))
                    .filteredOn(e -> e.level() == QueryCacheEvent.CacheLevel.L2)
                    .extracting(QueryCacheEvent.Lookup::result).containsExactly(QueryCacheEvent.LookupResult.STALE);
        }
    }

    @Test
    void fetchFreshQueryDoesNotSettleForStaleL2Data() {
        client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        time.advance(Duration.ofMinutes(6));
        try (QueryClient other = newClient(shared, e -> { })) {
            assertThat(other.fetchFreshQuery(products(Duration.ofMinutes(5)).build()).join().get(0).name())
                    .isEqualTo("Pen 2");
        }
    }

    @Test
    void aCallerWithoutATypeLeavesTheTypeAnEarlierCallerDeclaredInEffect() {
        client.fetchQuery(products(Duration.ofMinutes(1)).build()).join();
        time.advance(Duration.ofMinutes(2)); // stale, and still in L1 (gcTime 5 minutes)
        try (QueryClient other = newClient(shared, e -> { })) {
            other.fetchFreshQuery(products(Duration.ofMinutes(1)).build()).join(); // L2 now holds Pen 2
        }
        QueryOptions<List<Product>> untyped = QueryOptions.<List<Product>>builder(key, ctx -> {
            throw new IllegalStateException("L2 holds fresh data of the declared type");
        }).staleTime(Duration.ofMinutes(1)).retry(0).build();

        client.fetchQuery(untyped).join(); // stale in L1: served, and refetched from L2 with the earlier type

        assertThat(calls).hasValue(2);
        assertThat(client.<List<Product>>getQueryData(key).orElseThrow().get(0).name()).isEqualTo("Pen 2");
    }

    @Test
    void withoutADeclaredTypeTheQueryIsWrittenButNotReadFromL2() {
        QueryOptions<String> untyped = QueryOptions.builder(QueryKey.of("plain"), ctx -> "v" + calls.incrementAndGet())
                .staleTime(Duration.ofMinutes(5)).build();
        client.fetchQuery(untyped).join();
        assertThat(shared.size()).isEqualTo(1);
        int getsBefore = storage.gets.get();
        try (QueryClient other = newClient(storage, e -> { })) {
            assertThat(other.fetchQuery(untyped).join()).isEqualTo("v2");
            assertThat(storage.gets.get()).isEqualTo(getsBefore);
            assertThat(other.getQueryDataAsync(QueryKey.of("plain"), String.class).join()).contains("v2");
        }
    }

    @Test
    void invalidateRemoveResetAndClearReachL2() {
        QueryKey other = QueryKey.of("productsX", 1);
        client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        client.setQueryData(other, "kept");
        client.setQueryData(QueryKey.of("products", "p2"), "p2");
        assertThat(shared.size()).isEqualTo(3);

        client.invalidateQueries(QueryFilter.prefix("products")).join();
        assertThat(shared.get(key).join()).isEmpty();
        assertThat(shared.get(QueryKey.of("products", "p2")).join()).isEmpty();
        assertThat(shared.get(other).join()).as("whole-part prefix").isPresent();

        client.setQueryData(QueryKey.of("products", "p2"), "again");
        client.removeQueries(QueryFilter.exact(QueryKey.of("products", "p2"))).join();
        assertThat(shared.get(QueryKey.of("products", "p2")).join()).isEmpty();
        assertThat(client.getQueryState(QueryKey.of("products", "p2"))).isEmpty();

        client.setQueryData(key, List.of());
        client.resetQueries(QueryFilter.exact(key)).join();
        assertThat(shared.get(key).join()).isEmpty();
        assertThat(client.getQueryState(key).orElseThrow().status()).isEqualTo(QueryStatus.IDLE);

        client.clear().join();
        assertThat(shared.size()).isZero();
        assertThat(client.size()).isZero();
    }

    @Test
    void anInvalidatedQueryIgnoresAnOlderL2EntryWhoseDeleteHasNotLanded() {
        client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        storage.failing = true; // the delete of the invalidation fails: the old entry stays in L2
        client.invalidateQueries(QueryFilter.exact(key)).join();
        storage.failing = false;
        time.advance(Duration.ofMinutes(1)); // past the L2 pause after the failure
        assertThat(client.fetchFreshQuery(products(Duration.ofMinutes(5)).build()).join().get(0).name())
                .as("refetched from the source, not answered by the invalidated L2 entry").isEqualTo("Pen 2");
    }

    @Test
    void aFailingL2NeverFailsTheCallerAndIsCounted() {
        storage.failing = true;
        assertThat(client.fetchQuery(products(Duration.ofMinutes(5)).build()).join().get(0).name())
                .isEqualTo("Pen 1");
        assertThat(events.of(QueryCacheEvent.StorageError.class)).isNotEmpty()
                .allSatisfy(e -> assertThat(e.error()).hasMessage("connection refused"));
        assertThat(client.invalidateQueries(QueryFilter.all())).succeedsWithin(Duration.ZERO);
        assertThat(client.getQueryDataAsync(QueryKey.of("nothing"), String.class).join()).isEmpty();
    }

    @Test
    void afterAnL2FailureL2IsLeftAloneForAWhileThenUsedAgain() {
        storage.failing = true;
        client.fetchQuery(products(Duration.ZERO).build()).join();
        int getsAfterFailure = storage.gets.get();
        client.removeQueries(QueryFilter.all()).join();
        client.fetchQuery(products(Duration.ZERO).build()).join();
        assertThat(storage.gets.get()).as("paused: no new L2 read").isEqualTo(getsAfterFailure);

        storage.failing = false;
        time.advance(Duration.ofSeconds(5));
        client.removeQueries(QueryFilter.all()).join();
        client.fetchQuery(products(Duration.ZERO).build()).join();
        assertThat(storage.gets.get()).isGreaterThan(getsAfterFailure);
        assertThat(storage.puts.get()).isPositive();
        assertThat(shared.get(key).join()).isPresent();
    }

    @Test
    void aSlowL2IsCutOffByTheStorageTimeout() {
        storage.hanging = true;
        CompletableFuture<List<Product>> result = client.fetchQuery(products(Duration.ZERO).build());
        assertThat(result).as("waits for L2 up to its timeout").isNotDone();
        time.advance(Duration.ofMillis(250));
        assertThat(result.join().get(0).name()).isEqualTo("Pen 1");
        assertThat(events.of(QueryCacheEvent.StorageError.class)).first()
                .satisfies(e -> assertThat(e.error()).isInstanceOf(java.util.concurrent.TimeoutException.class));
    }

    @Test
    void aCorruptL2EntryIsAMissThatIsDeletedAndCounted() {
        shared.put(key, new StorageEntry("{not json".getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(
                time.millis())), Duration.ofHours(1)).join();
        assertThat(client.fetchQuery(products(Duration.ofMinutes(5)).build()).join().get(0).name())
                .isEqualTo("Pen 1");
        assertThat(events.of(QueryCacheEvent.StorageError.class)).singleElement()
                .satisfies(e -> assertThat(e.operation()).isEqualTo(QueryCacheEvent.StorageOperation.DECODE));
        // The corrupt entry was deleted and replaced by the fetched value.
        assertThat(new String(shared.get(key).join().orElseThrow().value(), StandardCharsets.UTF_8))
                .contains("Pen 1");
    }

    @Test
    void anEntryOfAnotherTypeIsAMissNotAClassChosenByThePayload() {
        shared.put(key, new StorageEntry("[{\"@class\":\"java.lang.Thread\"}]".getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochMilli(time.millis())), Duration.ofHours(1)).join();
        List<Product> result = client.fetchQuery(products(Duration.ofMinutes(5)).build()).join();
        assertThat(result).first().isInstanceOf(Product.class);
    }

    @Test
    void oversizedValuesStayInL1AndAreCounted() {
        try (QueryClient small = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .storage(shared).maxValueBytes(16).listener(events).build()) {
            small.setQueryData(QueryKey.of("big"), "x".repeat(100));
            assertThat(small.getQueryData(QueryKey.of("big"))).isPresent();
            assertThat(shared.get(QueryKey.of("big")).join()).isEmpty();
            assertThat(events.of(QueryCacheEvent.StorageSkipped.class)).singleElement()
                    .satisfies(e -> assertThat(e.bytes()).isGreaterThan(16));
        }
    }

    @Test
    void getQueryDataAsyncReadsL2AndKeepsTheValueInL1() {
        client.setQueryData(key, List.of(new Product("p1", "Pen", 3)));
        try (QueryClient other = newClient(shared, e -> { })) {
            assertThat(other.getQueryData(key)).isEmpty();
            Optional<List<Product>> read = other.getQueryDataAsync(key, new TypeRef<List<Product>>() { }).join();
            assertThat(read).contains(List.of(new Product("p1", "Pen", 3)));
            assertThat(other.getQueryData(key)).isPresent();
        }
    }
}
