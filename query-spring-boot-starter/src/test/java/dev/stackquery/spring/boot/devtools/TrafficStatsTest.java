package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/** The charts' counts per second and fetch durations per key tag. */
class TrafficStatsTest {

    private static final long T0 = Instant.parse("2026-01-10T12:00:00Z").toEpochMilli();

    @Test
    void countsEachSecondInItsOwnBucketAndForgetsSecondsOutsideTheWindow() {
        TrafficStats stats = new TrafficStats();
        stats.count(T0, TrafficStats.Counter.L1_HIT);
        stats.count(T0 + 300, TrafficStats.Counter.L1_HIT);
        stats.count(T0 + 1000, TrafficStats.Counter.FETCHED);

        TrafficStats.Snapshot now = stats.snapshot(T0 + 1500);
        assertThat(now.lastSecond()).isEqualTo((T0 + 1500) / 1000);
        assertThat(now.series().l1Hit()).hasSize(TrafficStats.SECONDS);
        assertThat(now.series().l1Hit()[TrafficStats.SECONDS - 2]).isEqualTo(2);
        assertThat(now.series().fetched()[TrafficStats.SECONDS - 1]).isEqualTo(1);
        assertThat(LongStream.of(now.series().l1Miss()).sum()).isZero();

        // Five minutes later the same slots hold new seconds: the old counts are gone, not added to.
        long later = T0 + TrafficStats.SECONDS * 1000L;
        stats.count(later, TrafficStats.Counter.L1_HIT);
        TrafficStats.Snapshot after = stats.snapshot(later + 1000);
        assertThat(LongStream.of(after.series().l1Hit()).sum()).isEqualTo(1);
        assertThat(LongStream.of(after.series().fetched()).sum()).isZero();
    }

    @Test
    void countsOfQuietSecondsAreZeroAndACountAfterTheClockWentBackIsKept() {
        TrafficStats stats = new TrafficStats();
        stats.count(T0, TrafficStats.Counter.L2_MISS);
        stats.count(T0 + 5_000, TrafficStats.Counter.L2_MISS);
        stats.count(T0 + 5_100, TrafficStats.Counter.L2_MISS);
        stats.count(T0 + 4_000, TrafficStats.Counter.L2_MISS); // the clock went back: told in the newer second

        long[] misses = stats.snapshot(T0 + 7_000).series().l2Miss();
        int t0 = TrafficStats.SECONDS - 1 - 7;
        assertThat(misses[t0]).isEqualTo(1);
        for (int quiet = t0 + 1; quiet < t0 + 5; quiet++) {
            assertThat(misses[quiet]).as("second %d", quiet - t0).isZero();
        }
        assertThat(misses[t0 + 5]).isEqualTo(3);
        assertThat(misses[t0 + 6]).isZero();
        assertThat(misses[t0 + 7]).isZero();
    }

    @Test
    void threadsCountingAcrossSecondBoundariesLoseNothing() throws Exception {
        for (int round = 0; round < 20; round++) {
            TrafficStats stats = new TrafficStats();
            AtomicLong clock = new AtomicLong(T0 + 900);
            int threads = 4;
            int perThread = 20_000;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        // Every thread moves the clock now and then: seconds begin while others count.
                        long now = i % 1_000 == 0 ? clock.addAndGet(250) : clock.get();
                        stats.count(now, TrafficStats.Counter.L1_HIT);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long[] hits = stats.snapshot(clock.get()).series().l1Hit();
            assertThat(LongStream.of(hits).sum()).as("round %d", round).isEqualTo((long) threads * perThread);
            assertThat(LongStream.of(hits).filter(n -> n > 0).count()).as("seconds with counts").isGreaterThan(1);
        }
    }

    @Test
    void percentilesAreNearestRankOverTheWindowPerTag() {
        TrafficStats stats = new TrafficStats();
        for (int i = 1; i <= 100; i++) {
            stats.duration(T0, "product", i);
        }
        stats.duration(T0, "user", 7);
        stats.duration(T0 - 10 * 60_000, "old", 5); // outside the five minutes

        TrafficStats.Snapshot snapshot = stats.snapshot(T0 + 1000);
        assertThat(snapshot.latency()).extracting(TrafficStats.Latency::tag).containsExactly("product", "user");
        TrafficStats.Latency product = snapshot.latency().get(0);
        assertThat(product.samples()).isEqualTo(100);
        assertThat(product.p50Ms()).isEqualTo(50);
        assertThat(product.p99Ms()).isEqualTo(99);
        assertThat(product.maxMs()).isEqualTo(100);
    }

    @Test
    void keepsABoundedNumberOfTagsAndSamples() {
        TrafficStats stats = new TrafficStats();
        for (int tag = 0; tag < TrafficStats.MAX_TAGS + 10; tag++) {
            stats.duration(T0, "tag" + tag, 1);
        }
        for (int i = 0; i < TrafficStats.SAMPLES * 3; i++) {
            stats.duration(T0, "tag0", 2);
        }
        TrafficStats.Snapshot snapshot = stats.snapshot(T0);
        assertThat(snapshot.latency()).hasSize(TrafficStats.MAX_TAGS + 1);
        assertThat(snapshot.latency()).anySatisfy(l -> {
            assertThat(l.tag()).isEqualTo(TrafficStats.OTHER_TAG);
            assertThat(l.samples()).isEqualTo(10);
        });
        assertThat(snapshot.latency()).filteredOn(l -> l.tag().equals("tag0")).singleElement()
                .satisfies(l -> assertThat(l.samples()).isEqualTo(TrafficStats.SAMPLES));
    }
}
