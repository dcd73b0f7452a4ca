package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cluster-wide single flight between two clients sharing an L2 and a lock service, driven by injected time. */
class QueryClientFetchLockTest {

    /** Locks with leases timed by the test's clock, as Redis would time them. */
    static final class LeaseTable implements FetchLock {
        private final ConcurrentHashMap<QueryKey, Long> held = new ConcurrentHashMap<>();
        private final FakeTime time;
        final AtomicInteger releases = new AtomicInteger();
        /** Runs once, just before the next acquire attempt: lets a test place an event between a read and a lock. */
        volatile Runnable beforeNextAcquire;

        LeaseTable(FakeTime time) {
            this.time = time;
        }

        @Override
        public CompletableFuture<Optional<Lease>> tryAcquire(QueryKey key, Duration lease) {
            Runnable hook = beforeNextAcquire;
            if (hook != null) {
                beforeNextAcquire = null;
                hook.run();
            }
            long now = time.millis();
            long until = now + lease.toMillis();
            boolean[] won = new boolean[1];
            held.compute(key, (k, expires) -> {
                if (expires == null || expires <= now) {
                    won[0] = true;
                    return until;
                }
                return expires;
            });
            if (!won[0]) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return CompletableFuture.completedFuture(Optional.of(() -> {
                releases.incrementAndGet();
                held.remove(key, until);
                return CompletableFuture.completedFuture(null);
            }));
        }
    }

    private final FakeTime time = new FakeTime();
    private final InMemoryStorageBackend l2 = new InMemoryStorageBackend(time.clock());
    private final LeaseTable locks = new LeaseTable(time);
    private final QueryClient a = instance();
    private final QueryClient b = instance();
    private final List<CompletableFuture<String>> calls = new ArrayList<>();
    private final QueryKey key = QueryKey.of("report");

    private QueryClient instance() {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run).storage(l2)
                .fetchLock(locks).fetchLockLease(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private QueryOptions<String> report() {
        return QueryOptions.async(key, ctx -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }).type(String.class).staleTime(Duration.ofMinutes(5)).build();
    }

    @Test
    void whenTwoInstancesMissTogetherOnlyTheLockHolderCallsTheFunction() {
        CompletableFuture<String> fromA = a.fetchQuery(report());
        CompletableFuture<String> fromB = b.fetchQuery(report());
        assertThat(calls).as("b waits for a").hasSize(1);
        time.advance(Duration.ofMillis(100));
        assertThat(fromB).isNotDone();
        calls.get(0).complete("built once");
        assertThat(fromA).isCompletedWithValue("built once");
        time.advance(Duration.ofMillis(20));
        assertThat(fromB).isCompletedWithValue("built once");
        assertThat(calls).hasSize(1);
        assertThat(locks.releases).hasValue(1);
    }

    @Test
    void aCrashedHolderDelaysTheOthersByTheLeaseAtMost() {
        // Someone took the lock and died without writing L2 or releasing it.
        assertThat(locks.tryAcquire(key, Duration.ofSeconds(2)).join()).isPresent();
        CompletableFuture<String> fromB = b.fetchQuery(report());
        time.advance(Duration.ofMillis(1990));
        assertThat(calls).as("still waiting for the holder").isEmpty();
        time.advance(Duration.ofMillis(40));
        assertThat(calls).as("lease over: b fetches itself").hasSize(1);
        calls.get(0).complete("b's own");
        assertThat(fromB).isCompletedWithValue("b's own");
    }

    @Test
    void aFailedHolderReleasesTheLockSoTheNextMissFetchesAtOnce() {
        CompletableFuture<String> fromA = a.fetchQuery(QueryOptions.<String>builder(key, ctx -> {
            throw new IllegalStateException("down");
        }).type(String.class).retry(0).build());
        assertThat(fromA).isCompletedExceptionally();
        assertThat(locks.releases).hasValue(1);
        b.fetchQuery(report());
        assertThat(calls).hasSize(1);
    }

    @Test
    void anUnreachableLockServiceMeansFetchingWithoutIt() {
        try (QueryClient lonely = QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run)
                .storage(l2).fetchLock((k, lease) -> CompletableFuture.failedFuture(new IllegalStateException("no")))
                .build()) {
            lonely.fetchQuery(report());
            assertThat(calls).hasSize(1);
        }
    }

    @Test
    void aWaiterTakesTheLockAsSoonAsTheHolderEndsWithoutWriting() {
        CompletableFuture<String> holder = a.fetchQuery(report());
        CompletableFuture<String> waiter = b.fetchQuery(report());
        assertThat(calls).hasSize(1);
        a.invalidateQueries(QueryFilter.exact(key)).join(); // a's result will be stale: it writes nothing
        calls.get(0).complete("read before the invalidation");
        assertThat(holder.join()).isEqualTo("read before the invalidation");
        time.advance(Duration.ofMillis(100)); // a few looks into L2, far less than the 2 s lease
        assertThat(calls).as("b took the free lock and read the source itself").hasSize(2);
        calls.get(1).complete("current");
        assertThat(waiter.join()).isEqualTo("current");
    }

    @Test
    void aWaiterWhoseQueryIsInvalidatedReadsTheSourceAtOnce() {
        a.fetchQuery(report());
        CompletableFuture<String> waiter = b.fetchQuery(report());
        assertThat(calls).hasSize(1);
        b.invalidateQueries(QueryFilter.exact(key)).join();
        time.advance(Duration.ofMillis(20));
        assertThat(calls).as("b no longer waits for a holder that may read old data").hasSize(2);
        calls.get(1).complete("current");
        assertThat(waiter.join()).isEqualTo("current");
        assertThat(b.getQueryState(key).orElseThrow().invalidated()).as("read after the invalidation").isFalse();
        calls.get(0).complete("old");
    }

    @Test
    void aWaiterThatTakesTheLockJustAfterTheHolderWroteL2UsesTheHoldersResult() {
        CompletableFuture<String> holder = a.fetchQuery(report());
        CompletableFuture<String> waiter = b.fetchQuery(report());
        assertThat(calls).hasSize(1);
        // b looks into L2 (nothing yet); then, before its next try of the lock, a finishes, writes L2, frees it.
        locks.beforeNextAcquire = () -> calls.get(0).complete("report");
        time.advance(Duration.ofMillis(20));
        assertThat(holder.join()).isEqualTo("report");
        assertThat(waiter).as("b looked into L2 once more after taking the lock").isCompletedWithValue("report");
        assertThat(calls).as("one call in the cluster").hasSize(1);
    }
}
