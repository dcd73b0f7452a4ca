package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two clients ("instances") sharing one L2 and one bus, as two JVMs sharing a Redis would. */
class QueryClientInvalidationBusTest {

    private final FakeTime time = new FakeTime();
    private final InMemoryStorageBackend l2 = new InMemoryStorageBackend(time.clock());
    private final InMemoryInvalidationBus bus = new InMemoryInvalidationBus();
    private final FakeTime.Recorder eventsA = new FakeTime.Recorder();
    private final FakeTime.Recorder eventsB = new FakeTime.Recorder();
    private final QueryClient a = instance("a", eventsA);
    private final QueryClient b = instance("b", eventsB);
    private final AtomicInteger calls = new AtomicInteger();
    private final QueryKey key = QueryKey.of("user", 1);

    private QueryClient instance(String id, QueryCacheListener listener) {
        return QueryClient.builder().clock(time.clock()).scheduler(time).executor(Runnable::run).storage(l2)
                .invalidationBus(bus).instanceId(id).listener(listener).build();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private QueryOptions<String> user() {
        return QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet()).type(String.class)
                .staleTime(Duration.ofMinutes(10)).build();
    }

    @Test
    void anInvalidationOnOneInstanceMarksTheOthersL1Stale() {
        a.fetchQuery(user()).join();
        b.fetchQuery(user()).join();
        assertThat(calls).as("b was served from L2").hasValue(1);
        a.invalidateQueries(QueryFilter.prefix("user")).join();
        assertThat(b.getQueryState(key).orElseThrow().invalidated()).isTrue();
        assertThat(eventsB.of(QueryCacheEvent.Invalidated.class)).singleElement()
                .satisfies(e -> assertThat(e.origin()).isEqualTo(QueryCacheEvent.Origin.REMOTE));
        assertThat(eventsA.of(QueryCacheEvent.Invalidated.class)).as("a ignores its own message")
                .extracting(QueryCacheEvent.Invalidated::origin).containsExactly(QueryCacheEvent.Origin.LOCAL);
        assertThat(b.fetchFreshQuery(user()).join()).isEqualTo("v2");
    }

    @Test
    void setQueryDataOnOneInstanceReachesTheOthersL1ThroughL2() {
        a.fetchQuery(user()).join();
        b.fetchQuery(user()).join();
        time.advance(Duration.ofSeconds(1));
        a.setQueryData(key, "set on a");
        assertThat(b.<String>getQueryData(key)).contains("set on a");
        assertThat(b.getQueryState(key).orElseThrow().invalidated()).isFalse();
        assertThat(calls).hasValue(1);
    }

    @Test
    void setQueryDataMarksStaleAnInstanceThatCannotReadTheValue() {
        b.setQueryData(QueryKey.of("untyped"), "old");
        time.advance(Duration.ofSeconds(1));
        a.setQueryData(QueryKey.of("untyped"), "new");
        assertThat(b.getQueryState(QueryKey.of("untyped")).orElseThrow().invalidated()).isTrue();
    }

    @Test
    void removeAndResetReachTheOtherInstance() {
        a.fetchQuery(user()).join();
        b.fetchQuery(user()).join();
        b.setQueryData(QueryKey.of("post", 1), "p");
        a.removeQueries(QueryFilter.exact(key)).join();
        assertThat(b.getQueryState(key)).isEmpty();
        a.resetQueries(QueryFilter.prefix("post")).join();
        assertThat(b.getQueryState(QueryKey.of("post", 1)).orElseThrow().status()).isEqualTo(QueryStatus.IDLE);
        b.setQueryData(QueryKey.of("x"), 1);
        a.clear().join();
        assertThat(b.size()).isZero();
    }

    @Test
    void aWhereFilterIsSentAsTheKeysItMatched() {
        a.setQueryData(QueryKey.of("k", 1), "1");
        a.setQueryData(QueryKey.of("k", 2), "2");
        b.setQueryData(QueryKey.of("k", 1), "1");
        b.setQueryData(QueryKey.of("k", 2), "2");
        a.invalidateQueries(QueryFilter.where(s -> s.key().part(1).equals(2L))).join();
        assertThat(b.findAll(QueryFilter.where(s -> s.state().invalidated()))).extracting(QuerySnapshot::key)
                .containsExactly(QueryKey.of("k", 2));
    }

    @Test
    void afterAReconnectEveryL1QueryIsStale() {
        b.setQueryData(QueryKey.of("one"), 1);
        b.setQueryData(QueryKey.of("two"), 2);
        bus.simulateReconnect();
        assertThat(b.findAll(QueryFilter.all())).allSatisfy(s -> assertThat(s.state().invalidated()).isTrue());
    }

    @Test
    void anObservedQueryIsRefetchedWhenAnotherInstanceInvalidatesIt() {
        List<String> seen = new java.util.ArrayList<>();
        b.watch(user()).subscribe(r -> {
            if (r.data() != null) {
                seen.add(r.data());
            }
        });
        a.invalidateQueries(QueryFilter.exact(key)).join();
        assertThat(seen).first().isEqualTo("v1");
        assertThat(seen).last().isEqualTo("v2");
        assertThat(calls).hasValue(2);
    }
}
