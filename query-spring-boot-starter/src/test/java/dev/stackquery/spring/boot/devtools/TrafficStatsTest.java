package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
