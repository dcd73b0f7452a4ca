package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryKey;

import org.junit.jupiter.api.Test;

/** The timeline's ring: bounded, newest first, and consistent while many threads write into it. */
class EventLogTest {

    @Test
    void keepsTheNewestEventsUpToItsCapacityNewestFirst() {
        EventLog log = new EventLog(100);
        for (int i = 0; i < 250; i++) {
            log.add(i, new QueryCacheEvent.FetchStarted(QueryKey.of("q", i)));
        }
        List<EventLog.Entry> kept = log.newest(e -> true, 1000);
        assertThat(kept).hasSize(100);
        assertThat(kept.get(0).sequence()).isEqualTo(249);
        assertThat(kept.get(99).sequence()).isEqualTo(150);
        assertThat(kept.get(0).event().key()).isEqualTo(QueryKey.of("q", 249));
        assertThat(log.added()).isEqualTo(250);
    }

    @Test
    void filtersAndLimitsFromTheNewest() {
        EventLog log = new EventLog(50);
        for (int i = 0; i < 40; i++) {
            log.add(i, i % 2 == 0 ? new QueryCacheEvent.FetchStarted(QueryKey.of("even"))
                    : new QueryCacheEvent.Removed(QueryKey.of("odd")));
        }
        List<EventLog.Entry> removed = log.newest(e -> e.event() instanceof QueryCacheEvent.Removed, 3);
        assertThat(removed).extracting(EventLog.Entry::sequence).containsExactly(39L, 37L, 35L);
    }

    @Test
    void aWriterThatStoresLateDoesNotPutBackAnOlderEntryOverANewerOne() {
        EventLog log = new EventLog(2);
        long late = log.reserve(); // 0: this writer is descheduled before it stores
        log.add(1, new QueryCacheEvent.FetchStarted(QueryKey.of("one")));
        log.add(2, new QueryCacheEvent.FetchStarted(QueryKey.of("two"))); // sequence 2: slot of 0
        log.store(new EventLog.Entry(late, 0, new QueryCacheEvent.FetchStarted(QueryKey.of("zero"))));

        assertThat(log.newest(e -> true, 10)).extracting(EventLog.Entry::sequence).containsExactly(2L, 1L);
    }

    @Test
    void readersSeeOnlyWholeEntriesInOrderWhileWritersRace() throws Exception {
        EventLog log = new EventLog(64);
        int writers = 4;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                running.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        log.add(i, new QueryCacheEvent.FetchStarted(QueryKey.of("w", writer)));
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                start.await();
                int reads = 0;
                while (log.added() < (long) writers * each) {
                    List<EventLog.Entry> seen = log.newest(e -> true, 64);
                    Set<Long> distinct = new HashSet<>();
                    for (int i = 0; i < seen.size(); i++) {
                        assertThat(distinct.add(seen.get(i).sequence())).isTrue();
                        if (i > 0) {
                            assertThat(seen.get(i).sequence()).isLessThan(seen.get(i - 1).sequence());
                        }
                    }
                    reads++;
                }
                return reads;
            });
            start.countDown();
            for (Future<?> f : running) {
                f.get();
            }
            assertThat(reader.get()).isPositive();
        } finally {
            pool.shutdownNow();
        }
        assertThat(log.added()).isEqualTo((long) writers * each);
        assertThat(log.newest(e -> true, 1000)).hasSize(64);
    }
}
