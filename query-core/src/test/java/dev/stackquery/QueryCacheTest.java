package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;

import org.junit.jupiter.api.Test;

/** L1's prefix lookups through the group index agree with a walk of every query, also under racing changes. */
class QueryCacheTest {

    private final QueryCache cache = new QueryCache(1_000_000);

    private Query<String> query(Object... parts) {
        return new Query<>(QueryKey.of(parts), cache, QueryState.idle(), 0);
    }

    private Set<QueryKey> prefixed(QueryKey prefix) {
        Set<QueryKey> keys = new HashSet<>();
        for (Query<?> query : cache.withPrefix(prefix)) {
            keys.add(query.key);
        }
        return keys;
    }

    private Set<QueryKey> walked(QueryKey prefix) {
        Set<QueryKey> keys = new HashSet<>();
        for (Query<?> query : cache.all()) {
            if (query.key.startsWith(prefix)) {
                keys.add(query.key);
            }
        }
        return keys;
    }

    @Test
    void prefixesOfEveryLengthFindWhatAWalkFinds() {
        List<Query<?>> all = new ArrayList<>();
        for (int g = 0; g < 40; g++) {
            all.add(cache.putIfAbsent(query("item", g)));
            for (int i = 0; i < 50; i++) { // above the array bucket's size: some groups become sets
                all.add(cache.putIfAbsent(query("g", g, i)));
                all.add(cache.putIfAbsent(query("g", g, i, "detail")));
            }
        }
        for (QueryKey prefix : List.of(QueryKey.of(), QueryKey.of("g"), QueryKey.of("g", 7), QueryKey.of("g", 7, 3),
                QueryKey.of("g", 7, 3, "detail"), QueryKey.of("item", 5), QueryKey.of("item"), QueryKey.of("none", 1),
                QueryKey.of("g", 7, 99))) {
            assertThat(prefixed(prefix)).as(prefix.toString()).isEqualTo(walked(prefix));
        }
        assertThat(prefixed(QueryKey.of("g", 7))).hasSize(100);
        for (Query<?> query : all) {
            cache.remove(query);
        }
        assertThat(cache.groupCount()).as("empty groups go").isZero();
        assertThat(prefixed(QueryKey.of("g", 7))).isEmpty();
    }

    @Test
    void aLosingInsertLeavesNoIndexEntry() {
        Query<String> first = query("g", 1, 1);
        Query<String> second = query("g", 1, 1);
        assertThat(cache.putIfAbsent(first)).isSameAs(first);
        assertThat(cache.putIfAbsent(second)).isSameAs(first);
        assertThat(cache.withPrefix(QueryKey.of("g", 1))).containsExactly(first);
    }

    @Test
    void racingInsertsAndRemovalsLeaveTheIndexEqualToTheMap() throws Exception {
        for (int round = 0; round < 20; round++) {
            QueryCache racing = new QueryCache(1_000_000);
            CyclicBarrier start = new CyclicBarrier(3);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = round * 7 + t;
                threads.add(new Thread(() -> {
                    Random random = new Random(seed);
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < 3000; i++) {
                        QueryKey key = QueryKey.of("g", random.nextInt(3), random.nextInt(60));
                        Query<?> present = racing.get(key);
                        if (present != null && random.nextBoolean()) {
                            racing.remove(present);
                        } else {
                            racing.putIfAbsent(new Query<>(key, racing, QueryState.idle(), 0));
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
            for (int g = 0; g < 3; g++) {
                QueryKey prefix = QueryKey.of("g", g);
                Set<Query<?>> indexed = new HashSet<>(racing.withPrefix(prefix));
                Set<Query<?>> inMap = new HashSet<>();
                for (Query<?> query : racing.all()) {
                    if (query.key.startsWith(prefix)) {
                        inMap.add(query);
                    }
                }
                assertThat(indexed).as("round " + round + ", group " + g).isEqualTo(inMap);
            }
        }
    }
}
