package dev.stackquery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.MutableClock;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.StorageEntry;
import dev.stackquery.TypeRef;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JdbcStorageBackendTest {

    record Order(long id, String item, List<String> tags) {
    }

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    private Path file() {
        return dir.resolve("cache.db");
    }

    private DataSource dataSource(String url) {
        return new DriverManagerDataSource(url);
    }

    private JdbcStorageBackend sqlite() {
        return JdbcStorageBackend.builder(dataSource("jdbc:sqlite:" + file())).clock(clock).build();
    }

    private static StorageEntry entry(String text, long updatedAt) {
        return new StorageEntry(text.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(updatedAt));
    }

    @Test
    void dataWrittenByOneClientIsServedByANewClientAfterARestartWithoutCallingTheFunction() {
        AtomicInteger calls = new AtomicInteger();
        TypeRef<List<Order>> type = new TypeRef<>() { };
        QueryKey key = QueryKey.of("orders", 7);
        QueryOptions<List<Order>> options = QueryOptions.<List<Order>>builder(key, ctx -> {
            calls.incrementAndGet();
            return List.of(new Order(1, "pen", List.of("office")), new Order(2, "ink", List.of()));
        }).type(type).staleTime(Duration.ofMinutes(10)).build();

        List<Order> first;
        try (QueryClient before = QueryClient.builder().storage(JdbcStorageBackend.sqlite(file())).build()) {
            first = before.fetchQuery(options).join();
        }
        try (QueryClient after = QueryClient.builder().storage(JdbcStorageBackend.sqlite(file())).build()) {
            List<Order> served = after.fetchQuery(options).join();
            assertThat(served).isEqualTo(first).first().isInstanceOf(Order.class);
        }
        assertThat(calls).as("fresh data survived the restart").hasValue(1);
    }

    @Test
    void concurrentWritersFromEightThreadsLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // Two backends on one file, as two processes would have: their writes contend for SQLite's lock.
        try (JdbcStorageBackend a = sqlite(); JdbcStorageBackend b = sqlite()) {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<CompletableFuture<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(CompletableFuture.runAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < perThread; i++) {
                        JdbcStorageBackend target = i % 2 == 0 ? a : b;
                        writes.add(target.put(QueryKey.of("w", thread, i), entry("v" + thread + "-" + i, i),
                                Duration.ofHours(1)));
                    }
                }, pool));
            }
            go.countDown();
            for (CompletableFuture<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    StorageEntry read = a.get(QueryKey.of("w", t, i)).get(10, TimeUnit.SECONDS).orElseThrow();
                    assertThat(new String(read.value(), StandardCharsets.UTF_8)).isEqualTo("v" + t + "-" + i);
                }
            }
            assertThat(rowCount()).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void putReplacesAndKeepsDataUpdatedAt() {
        try (JdbcStorageBackend backend = sqlite()) {
            QueryKey key = QueryKey.of("k");
            backend.put(key, entry("one", 1), Duration.ofHours(1)).join();
            backend.put(key, entry("two", 2), Duration.ofHours(1)).join();
            assertThat(backend.get(key).join()).contains(entry("two", 2));
            assertThat(rowCount()).isEqualTo(1);
        }
    }

    @Test
    void anExpiredRowIsAMissAndIsPurged() {
        try (JdbcStorageBackend backend = sqlite()) {
            QueryKey key = QueryKey.of("ttl");
            backend.put(key, entry("v", 1), Duration.ofSeconds(30)).join();
            clock.advance(Duration.ofMillis(29_999));
            assertThat(backend.get(key).join()).isPresent();
            clock.advance(Duration.ofMillis(1));
            assertThat(backend.get(key).join()).isEmpty();
            assertThat(backend.purgeExpired()).isEqualTo(1);
            assertThat(rowCount()).isZero();
        }
    }

    @Test
    void aCorruptRowFailsTheReadWithCorruptStorageEntryExceptionAndTheClientTreatsItAsAMiss() throws Exception {
        QueryKey key = QueryKey.of("bad");
        try (JdbcStorageBackend backend = sqlite()) {
            backend.put(key, entry("\"fine\"", 1), Duration.ofHours(1)).join();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                PreparedStatement update = c.prepareStatement(
                        "UPDATE stackquery_entries SET payload = ? WHERE cache_key = ?")) {
            update.setBytes(1, "garbage".getBytes(StandardCharsets.UTF_8));
            update.setString(2, key.canonical());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
        try (JdbcStorageBackend backend = sqlite()) {
            assertThat(backend.get(key)).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(Exception.class).havingCause()
                    .isInstanceOf(CorruptStorageEntryException.class);
        }
        AtomicInteger calls = new AtomicInteger();
        try (QueryClient client = QueryClient.builder().storage(sqlite()).build()) {
            String value = client.fetchQuery(QueryOptions.builder(key, ctx -> "v" + calls.incrementAndGet())
                    .type(String.class).build()).join();
            assertThat(value).isEqualTo("v1");
        }
        try (JdbcStorageBackend backend = sqlite()) {
            assertThat(new String(backend.get(key).join().orElseThrow().value(), StandardCharsets.UTF_8))
                    .as("the corrupt row was replaced").isEqualTo("\"v1\"");
        }
    }

    @Test
    void deleteByPrefixRespectsWholePartsAndCase() {
        try (JdbcStorageBackend backend = sqlite()) {
            List<QueryKey> keys = List.of(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("user", 1, "x"),
                    QueryKey.of("users"), QueryKey.of("users", 1), QueryKey.of("User", 1),
                    QueryKey.of("user\",1"), QueryKey.of("\uD83D\uDE00", 1), QueryKey.of("\uD83D\uDE00x", 1));
            for (QueryKey key : keys) {
                backend.put(key, entry("v", 1), Duration.ofHours(1)).join();
            }
            backend.deleteByPrefix(QueryKey.of("user")).join();
            backend.deleteByPrefix(QueryKey.of("\uD83D\uDE00")).join();
            List<QueryKey> left = new ArrayList<>();
            for (QueryKey key : keys) {
                if (backend.get(key).join().isPresent()) {
                    left.add(key);
                }
            }
            assertThat(left).containsExactlyInAnyOrder(QueryKey.of("users"), QueryKey.of("users", 1),
                    QueryKey.of("User", 1), QueryKey.of("user\",1"), QueryKey.of("\uD83D\uDE00x", 1));
            backend.deleteByPrefix(QueryKey.of()).join();
            assertThat(rowCount()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:h2:mem:sq;DB_CLOSE_DELAY=-1", "jdbc:h2:mem:sq2;MODE=PostgreSQL;DB_CLOSE_DELAY=-1"})
    void worksOnH2Too(String url) {
        try (JdbcStorageBackend backend = JdbcStorageBackend.builder(dataSource(url)).table("cache_h2")
                .clock(clock).build()) {
            QueryKey key = QueryKey.of("\uD83D\uDE00", 1);
            backend.put(key, entry("a", 1), Duration.ofHours(1)).join();
            backend.put(key, entry("b", 2), Duration.ofHours(1)).join();
            backend.put(QueryKey.of("\uD83D\uDE00x"), entry("c", 3), Duration.ofHours(1)).join();
            assertThat(backend.get(key).join()).contains(entry("b", 2));
            backend.deleteByPrefix(QueryKey.of("\uD83D\uDE00")).join();
            assertThat(backend.get(key).join()).isEmpty();
            assertThat(backend.get(QueryKey.of("\uD83D\uDE00x")).join()).isPresent();
            backend.delete(QueryKey.of("\uD83D\uDE00x")).join();
            assertThat(backend.get(QueryKey.of("\uD83D\uDE00x")).join()).isEmpty();
        }
    }

    @Test
    void badSettingsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> JdbcStorageBackend.builder(dataSource("jdbc:sqlite:" + file())).table("x; drop"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("table");
        assertThatThrownBy(() -> JdbcStorageBackend.builder(dataSource("jdbc:nope:x")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("stackquery_entries");
    }

    @Test
    void aClosedBackendFailsCallsInsteadOfHanging() {
        JdbcStorageBackend backend = sqlite();
        backend.close();
        assertThat(backend.get(QueryKey.of("x"))).failsWithin(Duration.ofSeconds(1));
    }

    private int rowCount() {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM stackquery_entries")) {
            rows.next();
            return rows.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
