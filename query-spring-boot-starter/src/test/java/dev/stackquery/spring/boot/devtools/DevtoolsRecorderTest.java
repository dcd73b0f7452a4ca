package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryState;

import org.junit.jupiter.api.Test;

/** The listener behind the timeline and the charts, on a real client. */
class DevtoolsRecorderTest {

    private static final QueryKey KEY = QueryKey.of("product", 1);

    @Test
    void keepsFetchesAndStatusChangesAndOnlyCountsFreshL1Hits() {
        try (QueryClient client = QueryClient.builder().build();
                DevtoolsRecorder recorder = DevtoolsRecorder.listeningTo(client, 100)) {
            QueryOptions<String> options = QueryOptions.<String>builder(KEY, ctx -> "pen")
                    .staleTime(Duration.ofHours(1)).build();
            client.fetchQuery(options).join();
            client.fetchQuery(options).join();
            client.fetchQuery(options).join();

            List<QueryCacheEvent> kept = recorder.events().newest(e -> true, 100).stream()
                    .map(EventLog.Entry::event).toList();
            assertThat(kept).hasAtLeastOneElementOfType(QueryCacheEvent.FetchStarted.class)
                    .hasAtLeastOneElementOfType(QueryCacheEvent.FetchSucceeded.class)
                    .hasAtLeastOneElementOfType(QueryCacheEvent.Updated.class)
                    .contains(new QueryCacheEvent.Lookup(KEY, QueryCacheEvent.CacheLevel.L1,
                            QueryCacheEvent.LookupResult.MISS))
                    .doesNotContain(new QueryCacheEvent.Lookup(KEY, QueryCacheEvent.CacheLevel.L1,
                            QueryCacheEvent.LookupResult.HIT));
            // Kept status changes do not hold the data alive.
            assertThat(kept).filteredOn(QueryCacheEvent.Updated.class::isInstance)
                    .allSatisfy(e -> assertThat(((QueryCacheEvent.Updated) e).state().data()).isNull())
                    .anySatisfy(e -> assertThat(((QueryCacheEvent.Updated) e).state().isSuccess()).isTrue());

            TrafficStats.Snapshot stats = recorder.stats().snapshot(client.clock().millis());
            assertThat(LongStream.of(stats.series().l1Hit()).sum()).isEqualTo(2);
            assertThat(LongStream.of(stats.series().l1Miss()).sum()).isEqualTo(1);
            assertThat(LongStream.of(stats.series().fetched()).sum()).isEqualTo(1);
            assertThat(stats.latency()).extracting(TrafficStats.Latency::tag).containsExactly("product");
        }
    }

    @Test
    void aFailureToRecordNeverReachesTheClientOrItsOtherListeners() {
        Clock broken = new Clock() {
            @Override
            public long millis() {
                throw new IllegalStateException("clock broken on purpose");
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
        List<QueryCacheEvent> others = new CopyOnWriteArrayList<>();
        try (QueryClient client = QueryClient.builder().build()) {
            DevtoolsRecorder recorder = new DevtoolsRecorder(broken, 10);
            client.addListener(recorder);
            client.addListener(others::add);
            String data = client.fetchQuery(QueryOptions.<String>builder(KEY, ctx -> "pen").build()).join();

            assertThat(data).isEqualTo("pen");
            assertThat(recorder.events().added()).isZero();
            assertThat(others).isNotEmpty().noneMatch(QueryCacheEvent.ListenerFailed.class::isInstance);
        }
    }

    @Test
    void closingStopsListening() {
        try (QueryClient client = QueryClient.builder().build()) {
            DevtoolsRecorder recorder = DevtoolsRecorder.listeningTo(client, 10);
            client.setQueryData(KEY, "pen");
            long before = recorder.events().added();
            assertThat(before).isPositive();

            recorder.close();
            client.setQueryData(QueryKey.of("product", 2), "ink");
            assertThat(recorder.events().added()).isEqualTo(before);
            assertThat(client.<String>getQueryState(KEY)).map(QueryState::data).contains("pen");
        }
    }
}
