package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No invalidation is lost: to a fetch that was running when it happened (in this instance or another), to an L2 write
 * that lands after the delete, or to a bus that was away. Every race is laid out step by step: query functions return
 * futures the test completes, L2 writes are held back by a {@link GatedStorageBackend}, messages by a
 * {@link HeldBus}, and time moves only with {@link FakeTime}.
 */
class QueryClientCoherenceTest {

    private final FakeTime time = new FakeTime();
    private final InMemoryStorageBackend shared = new InMemoryStorageBackend(time.clock());
    private final GatedStorageBackend l2 = new GatedStorageBackend(shared);
    private final List<QueryClient> clients = new ArrayList<>();
    /** What the source holds now; a fetch reads it when it starts and answers when the test says. */
    private volatile String source = "v1";
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final QueryKey key = QueryKey.of("item", 1);

    /** One call of the query function: what the source held when it was made, answered by {@link #answer()}. */
    private record Call(String read, CompletableFuture<String> result) {
        void answer() {
            result.complete(read);
        }
    }

    private QueryOptions<String> item() {
        return QueryOptions.<String>async(key, ctx -> {
            Call call = new Call(source, new CompletableFuture<>());
            calls.add(call);
            return call.result();
        }).type(String.class).staleTime(Duration.ofHours(1)).retry(0).build();
    }

    private QueryClient client(String id, InvalidationBus bus, StorageBackend storage) {
        QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .storage(storage).invalidationBus(bus).instanceId(id).build();
        clients.add(client);
        return client;
    }

    private QueryClient local() {
        QueryClient client = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .build();
        clients.add(client);
        return client;
    }

    @AfterEach
    void close() {
        clients.forEach(QueryClient::close);
    }

    // ---- G1: in one JVM

    @Test
    void aFetchThatStartedBeforeAnInvalidationBringsBackStaleData() {
        QueryClient client = local();
        CompletableFuture<String> first = client.fetchQuery(item());
        source = "v2";
        client.invalidateQueries(QueryFilter.exact(key)).join();
        calls.get(0).answer();

        assertThat(first.join()).as("the caller that waited gets what arrived").isEqualTo("v1");
        QueryState<String> state = client.<String>getQueryState(key).orElseThrow();
        assertThat(state.data()).isEqualTo("v1");
        assertThat(state.invalidated()).as("data read before the invalidation stays invalidated").isTrue();

        assertThat(client.fetchQuery(item()).join()).as("served stale while it revalidates").isEqualTo("v1");
        assertThat(calls).as("the next read refetches").hasSize(2);
        calls.get(1).answer();
        assertThat(client.fetchQuery(item()).join()).isEqualTo("v2");
        assertThat(client.getQueryState(key).orElseThrow().invalidated()).isFalse();
    }

    @Test
    void fetchFreshQueryAfterAnInvalidationWaitsForAFetchThatStartedAfterIt() {
        QueryClient client = local();
        CompletableFuture<String> before = client.fetchQuery(item());
        source = "v2";
        client.invalidateQueries(QueryFilter.exact(key)).join();
        CompletableFuture<String> fresh = client.fetchFreshQuery(item());
        calls.get(0).answer();

        assertThat(before.join()).isEqualTo("v1");
        assertThat(fresh).as("not the data read before the invalidation").isNotDone();
        assertThat(calls).as("a new fetch started when the superseded one ended").hasSize(2);
        calls.get(1).answer();
        assertThat(fresh.join()).isEqualTo("v2");
    }

    @Test
    void anObservedQueryWhoseRunningFetchWasSupersededIsFetchedAgainAtOnce() {
        QueryClient client = local();
        List<String> seen = new CopyOnWriteArrayList<>();
        client.watch(item()).subscribe(result -> {
            if (result.data() != null) {
                seen.add(result.data());
            }
        });
        assertThat(calls).hasSize(1);
        source = "v2";
        CompletableFuture<Void> invalidated = client.invalidateQueries(QueryFilter.exact(key));
        calls.get(0).answer();
        assertThat(calls).as("refetched as soon as the stale data arrived").hasSize(2);
        assertThat(invalidated).as("invalidateQueries waits for the refetch that reads after it").isNotDone();
        calls.get(1).answer();
        assertThat(invalidated).isCompleted();
        assertThat(seen).last().isEqualTo("v2");
        assertThat(client.getQueryState(key).orElseThrow().invalidated()).isFalse();
    }

    @Test
    void setQueryDataWhileAFetchRunsIsNotReplacedByTheFetchedDataAsFresh() {
        QueryClient client = local();
        client.fetchQuery(item());
        client.setQueryData(key, "set");
        calls.get(0).answer();
        QueryState<String> state = client.<String>getQueryState(key).orElseThrow();
        assertThat(state.invalidated()).as("the fetch read the source before the set").isTrue();
    }

    @Test
    void aWriteHeldBackUntilAfterResetIsNeverServed() {
        QueryClient a = client("a", new InMemoryInvalidationBus(), l2);
        l2.hold();
        a.fetchQuery(item());
        calls.get(0).answer();
        assertThat(l2.held()).as("the fetch's L2 write is on its way").isEqualTo(1);
        source = "v2";
        a.resetQueries(QueryFilter.exact(key)).join();
        l2.releaseAll();

        QueryClient fresh = client("c", new InMemoryInvalidationBus(), shared);
        CompletableFuture<String> read = fresh.fetchQuery(item());
        assertThat(calls).as("the late write is not served: the new instance reads the source").hasSize(2);
        calls.get(1).answer();
        assertThat(read.join()).isEqualTo("v2");
    }

    @Test
    void withRealThreadsNoReadAfterAnInvalidationGetsDataReadBeforeIt() throws Exception {
        java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
        QueryKey racing = QueryKey.of("racing");
        QueryFunction<Long> source = ctx -> {
            long read = version.get();
            java.util.concurrent.locks.LockSupport.parkNanos(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(200_000));
            return read;
        };
        QueryOptions<Long> options = QueryOptions.builder(racing, source).staleTime(Duration.ofHours(1)).build();
        // Readers with staleTime 0 keep a refetch running nearly all the time, so writes race with fetches.
        QueryOptions<Long> eager = QueryOptions.builder(racing, source).staleTime(Duration.ZERO).build();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(3);
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
        int violations = 0;
        try (QueryClient client = QueryClient.builder().build()) {
            for (int r = 0; r < 3; r++) {
                readers.execute(() -> {
                    for (int i = 0; i < 1_000_000 && writing.get(); i++) {
                        try {
                            (i % 2 == 0 ? client.fetchQuery(eager) : client.fetchFreshQuery(options))
                                    .get(5, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                });
            }
            for (int write = 0; write < 400; write++) {
                long written = version.incrementAndGet();
                client.invalidateQueries(QueryFilter.exact(racing)).get(5, java.util.concurrent.TimeUnit.SECONDS);
                long read = client.fetchFreshQuery(options).get(5, java.util.concurrent.TimeUnit.SECONDS);
                if (read < written) {
                    violations++;
                }
            }
            writing.set(false);
            readers.shutdown();
            assertThat(readers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            writing.set(false);
            readers.shutdownNow();
        }
        assertThat(violations).as("fetchFreshQuery after invalidateQueries returned data read before it").isZero();
        assertThat(errors).hasValue(0);
    }

    // ---- G2: across instances

    @Test
    void aReadOnTheInvalidatingInstanceThatOvertakesItsOwnDeleteIsNotServedAsFresh() {
        QueryClient b = client("b", new InMemoryInvalidationBus(), shared);
        b.fetchQuery(item());
        calls.get(0).answer(); // v1 is in L2
        QueryClient a = client("a", new InMemoryInvalidationBus(), l2);
        source = "v2";
        l2.holdDeletes();
        CompletableFuture<Void> invalidated = a.invalidateQueries(QueryFilter.exact(key)); // its delete is slow
        CompletableFuture<String> read = a.fetchQuery(item()); // a has no L1 entry: it looks into L2 first
        assertThat(calls).as("v1 from L2 may be what the delete removes: the source is read").hasSize(2);
        calls.get(1).answer();
        l2.releaseDeletes();
        assertThat(invalidated).isCompleted();
        assertThat(read.join()).isEqualTo("v2");
    }

    @Test
    void aFetchRunningOnAnotherInstanceDuringAnInvalidationIsNeverServedFromL2() {
        InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
        QueryClient a = client("a", bus, shared);
        QueryClient b = client("b", bus, shared);
        a.fetchQuery(item());
        calls.get(0).answer();
        b.fetchQuery(item()).join();
        assertThat(calls).as("b served from L2").hasSize(1);

        b.invalidateQueries(QueryFilter.exact(key)).join(); // b's data is stale; its next read refetches
        b.fetchQuery(item());
        assertThat(calls).hasSize(2);
        source = "v2";
        a.invalidateQueries(QueryFilter.exact(key)).join(); // the write on a, while b's fetch runs
        calls.get(1).answer(); // b's fetch read v1 before the write

        assertThat(b.getQueryState(key).orElseThrow().invalidated()).isTrue();
        QueryClient c = client("c", bus, shared);
        CompletableFuture<String> read = c.fetchQuery(item());
        assertThat(calls).as("a new instance does not take b's old data from L2").hasSize(3);
        calls.forEach(Call::answer);
        assertThat(read.join()).isEqualTo("v2");
    }

    @Test
    void aWriteThatLandsAfterAnotherInstancesDeleteIsNeverServedAsFresh() {
        HeldBus bus = new HeldBus();
        QueryClient a = client("a", bus, l2);
        QueryClient b = client("b", bus, l2);
        l2.hold();
        b.fetchQuery(item());
        calls.get(0).answer(); // b read v1; its L2 write is held back
        source = "v2";
        a.invalidateQueries(QueryFilter.exact(key)).join(); // a's L2 delete lands; its message is still on the way
        l2.releaseAll(); // b's old write lands after the delete
        bus.deliver();

        QueryClient c = client("c", new InMemoryInvalidationBus(), shared);
        CompletableFuture<String> read = c.fetchQuery(item());
        assertThat(calls).as("the write of data read before the delete is not served").hasSize(2);
        calls.get(1).answer();
        assertThat(read.join()).isEqualTo("v2");
        assertThat(b.getQueryState(key).orElseThrow().invalidated()).isTrue();
    }

    @Test
    void aValueSetOnOneInstanceIsInstalledOnAnotherWhenItsMessageArrives() {
        HeldBus bus = new HeldBus();
        QueryClient a = client("a", bus, shared);
        QueryClient b = client("b", bus, shared);
        a.fetchQuery(item());
        calls.get(0).answer();
        b.fetchQuery(item()).join();
        time.advance(Duration.ofSeconds(1));
        a.setQueryData(key, "set on a");
        assertThat(b.<String>getQueryData(key)).as("not before the message").contains("v1");
        bus.deliver();
        assertThat(b.<String>getQueryData(key)).contains("set on a");
        assertThat(b.getQueryState(key).orElseThrow().invalidated()).isFalse();
    }

    @Test
    void aPrefixDeleteMakesEveryEntryBelowItUnreadableWithoutWalkingThem() {
        InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
        QueryClient a = client("a", bus, shared);
        a.setQueryData(QueryKey.of("item", 1), "one");
        a.setQueryData(QueryKey.of("item", 2, "detail"), "two");
        a.setQueryData(QueryKey.of("items"), "other");
        a.invalidateQueries(QueryFilter.prefix(QueryKey.of("item"))).join();
        assertThat(shared.get(QueryKey.of("item", 1)).join()).isEmpty();
        assertThat(shared.get(QueryKey.of("item", 2, "detail")).join()).isEmpty();
        assertThat(shared.get(QueryKey.of("items")).join()).as("whole parts only").isPresent();
    }

    // ---- G3: a disconnected bus

    @Test
    void whileTheBusIsDisconnectedL1DataOlderThanTheBoundIsStale() {
        InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
        QueryClient a = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .invalidationBus(bus).maxStalenessWhileDisconnected(Duration.ofSeconds(2)).build();
        clients.add(a);
        a.fetchQuery(item());
        calls.get(0).answer();
        bus.simulateDisconnect();
        time.advance(Duration.ofMillis(1_500));
        assertThat(a.fetchQuery(item()).join()).isEqualTo("v1");
        assertThat(calls).as("younger than the bound: trusted").hasSize(1);
        time.advance(Duration.ofMillis(600));
        source = "v2";
        assertThat(a.fetchQuery(item()).join()).as("served stale while it revalidates").isEqualTo("v1");
        assertThat(calls).as("older than the bound: refetched").hasSize(2);
        calls.get(1).answer();
        assertThat(a.fetchQuery(item()).join()).isEqualTo("v2");

        bus.simulateReconnect();
        assertThat(a.getQueryState(key).orElseThrow().invalidated()).as("after a reconnect all is stale").isTrue();
        time.advance(Duration.ofMinutes(5));
        a.fetchQuery(item());
        assertThat(calls).as("connected again: one refetch of the invalidated data").hasSize(3);
        calls.get(2).answer();
        a.fetchQuery(item());
        assertThat(calls).as("and staleTime counts again").hasSize(3);
    }

    @Test
    void byDefaultL1DataIsTrustedForFiveSecondsWhileDisconnected() {
        InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
        QueryClient a = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .invalidationBus(bus).build();
        clients.add(a);
        a.fetchQuery(item());
        calls.get(0).answer();
        bus.simulateDisconnect();
        time.advance(Duration.ofMillis(4_999));
        a.fetchQuery(item());
        assertThat(calls).hasSize(1);
        time.advance(Duration.ofMillis(1));
        a.fetchQuery(item());
        assertThat(calls).hasSize(2);
    }

    @Test
    void aZeroBoundTrustsNoL1DataWhileDisconnected() {
        InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
        QueryClient a = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .invalidationBus(bus).maxStalenessWhileDisconnected(Duration.ZERO).build();
        clients.add(a);
        a.fetchQuery(item());
        calls.get(0).answer();
        bus.simulateDisconnect();
        a.fetchQuery(item());
        assertThat(calls).hasSize(2);
    }

    // ---- G5: bursts of writes

    @Test
    void aBurstOfWritesIsSentAFewAtATimeAndLosesNone() {
        QueryClient client = client("a", new InMemoryInvalidationBus(), l2);
        l2.hold();
        int keys = 3_000;
        for (int i = 0; i < keys; i++) {
            client.setQueryData(QueryKey.of("burst", i), "v" + i);
        }
        assertThat(l2.held()).as("a bounded number in flight").isLessThanOrEqualTo(32);
        int rounds = 0;
        while (l2.held() > 0 && rounds++ < 10_000) {
            time.advance(Duration.ofMillis(900)); // each write answers within its own 1 s limit
            while (l2.releaseOne()) {
                // the in-flight ones land; the next ones are sent
            }
        }
        assertThat(l2.mostHeld()).isLessThanOrEqualTo(32);
        for (int i = 0; i < keys; i++) {
            assertThat(shared.get(QueryKey.of("burst", i)).join()).as("write %d reached L2", i).isPresent();
        }
        assertThat(l2.puts()).isEqualTo(keys);
    }

    @Test
    void writesOfOneKeyAreCoalescedLatestWins() {
        QueryClient client = client("a", new InMemoryInvalidationBus(), l2);
        l2.hold();
        for (int i = 0; i < 100; i++) {
            client.setQueryData(key, "v" + i);
        }
        l2.releaseAll();
        assertThat(l2.puts()).as("the first, then only the latest").isEqualTo(2);
        assertThat(new String(shared.get(key).join().orElseThrow().value())).isEqualTo("\"v99\"");
    }

    @Test
    void failingWritesAreRetriedAndNeverPauseReads() {
        QueryClient client = client("a", new InMemoryInvalidationBus(), l2);
        l2.failPuts(new IllegalStateException("L2 write refused"));
        client.setQueryData(key, "set");
        assertThat(shared.get(key).join()).isEmpty();
        l2.failPuts(null);

        QueryKey other = QueryKey.of("other");
        shared.put(other, new StorageEntry("\"in L2\"".getBytes(), time.clock().instant()), Duration.ofHours(1));
        assertThat(client.fetchQuery(QueryOptions.builder(other, ctx -> "from source").type(String.class).build())
                .join()).as("reads still go to L2 after a failed write").isEqualTo("in L2");

        time.advance(Duration.ofSeconds(2));
        assertThat(shared.get(key).join()).as("the failed write was tried again").isPresent();
    }

    /** A bus that keeps messages until {@link #deliver()}, as a slow network would. */
    static final class HeldBus implements InvalidationBus {
        private final InMemoryInvalidationBus delivery = new InMemoryInvalidationBus();
        private final ConcurrentLinkedQueue<InvalidationMessage> held = new ConcurrentLinkedQueue<>();

        @Override
        public void publish(InvalidationMessage message) {
            held.add(message);
        }

        void deliver() {
            InvalidationMessage next;
            while ((next = held.poll()) != null) {
                delivery.publish(next);
            }
        }

        @Override
        public Subscription subscribe(String instanceId, Handler handler) {
            return delivery.subscribe(instanceId, handler);
        }

        @Override
        public void close() {
        }
    }
}
