package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The GC's deadline heap on its own: order, one timer, removed queries purged. */
class GcSchedulerTest {

    private final FakeTime time = new FakeTime();
    private final QueryCache cache = new QueryCache(1000);
    private final List<Query<?>> collected = new ArrayList<>();
    private int live = 0;
    private final GcScheduler gc = new GcScheduler(time, time.clock(), () -> live,
            (query, now) -> collected.add(query));

    private Query<String> query(int id) {
        return new Query<>(QueryKey.of("q", id), cache, QueryState.idle(), time.millis());
    }

    @Test
    void entriesFallDueInDeadlineOrderOnOneTimer() {
        List<Query<String>> queries = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(7));
        for (int i = 0; i < 200; i++) {
            queries.add(query(i));
        }
        for (int i : order) {
            gc.schedule(queries.get(i), time.millis() + 10L * (i + 1), false);
        }
        assertThat(time.pending()).isEqualTo(1);
        time.advance(Duration.ofMillis(995));
        assertThat(collected).containsExactlyElementsOf(queries.subList(0, 99));
        time.advance(Duration.ofMillis(1005));
        assertThat(collected).containsExactlyElementsOf(queries);
        assertThat(gc.queued()).isZero();
        assertThat(time.pending()).isZero();
    }

    @Test
    void aQueuedQueryIsQueuedOnceUnlessItsDeadlineMayHaveMovedEarlier() {
        Query<String> query = query(1);
        gc.schedule(query, time.millis() + 1000, false);
        gc.schedule(query, time.millis() + 2000, false);
        assertThat(gc.queued()).isEqualTo(1);
        gc.schedule(query, time.millis() + 10, true);
        assertThat(gc.queued()).isEqualTo(2);
        time.advance(Duration.ofMillis(10));
        assertThat(collected).containsExactly(query);
    }

    @Test
    void removedQueriesAreNeverCollectedAndArePurgedWhenTheyDominateTheHeap() {
        List<Query<String>> queries = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Query<String> query = query(i);
            queries.add(query);
            gc.schedule(query, time.millis() + Duration.ofHours(1).toMillis(), false);
        }
        for (int i = 2; i < 32; i++) {
            queries.get(i).removed = true;
        }
        live = 2;
        gc.schedule(query(99), time.millis() + 5, false);
        assertThat(gc.queued()).as("30 removed entries dropped, 2 live + the new one kept").isEqualTo(3);
        time.advance(Duration.ofHours(2));
        assertThat(collected).hasSize(3).doesNotContainAnyElementsOf(queries.subList(2, 32));
    }
}
