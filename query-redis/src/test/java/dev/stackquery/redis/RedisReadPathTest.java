package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.StorageBackend.Lookup;
import dev.stackquery.StorageEntry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The read of an entry with its key's generation, on both of its paths: the backend's own connection (an
 * {@code MGET} written from the query key, its reply read in place) and Spring's template (before that connection is
 * open, or with a factory that is not Lettuce's). Both must say the same.
 */
class RedisReadPathTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static LettuceConnectionFactory factory;
    private final List<RedisStorageBackend> opened = new ArrayList<>();

    enum Path { DIRECT, TEMPLATE }

    @BeforeAll
    static void connect() {
        factory = REDIS.connectionFactory();
    }

    @AfterAll
    static void disconnect() {
        factory.destroy();
    }

    @BeforeEach
    void flush() throws Exception {
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
    }

    @AfterEach
    void close() {
        opened.forEach(RedisStorageBackend::close);
    }

    private RedisStorageBackend backend(Path path, Duration timeout) {
        RedisStorageBackend backend = RedisStorageBackend.builder(path == Path.DIRECT ? factory : templateOnly())
                .keyPrefix("t:").operationTimeout(timeout).build();
        opened.add(backend);
        backend.get(QueryKey.of("warm-up")).join();
        if (path == Path.DIRECT) {
            await().atMost(Duration.ofSeconds(5)).until(backend::readsDirectly);
        } else {
            assertThat(backend.readsDirectly()).isFalse();
        }
        return backend;
    }

    /** The same Redis through a factory that is not Lettuce's: the backend can only use the template. */
    private static ReactiveRedisConnectionFactory templateOnly() {
        return new ReactiveRedisConnectionFactory() {
            @Override
            public ReactiveRedisConnection getReactiveConnection() {
                return factory.getReactiveConnection();
            }

            @Override
            public ReactiveRedisClusterConnection getReactiveClusterConnection() {
                return factory.getReactiveClusterConnection();
            }

            @Override
            public org.springframework.dao.DataAccessException translateExceptionIfPossible(RuntimeException ex) {
                return factory.translateExceptionIfPossible(ex);
            }
        };
    }

    private static StorageEntry entry(String value, String generation) {
        return new StorageEntry(value.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(1_000), generation);
    }

    private static Optional<String> value(Lookup lookup) {
        return lookup.entry().map(e -> new String(e.value(), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void anEntryIsReturnedOnlyWhileItsGenerationIsTheKeysCurrentOne(Path path) {
        RedisStorageBackend backend = backend(path, Duration.ofSeconds(2));
        QueryKey key = QueryKey.of("user", 1, "posts");
        String before = backend.generation(key).join();
        assertThat(before).isEqualTo("0.0.0.0.0");
        backend.put(key, entry("v1", before), Duration.ofMinutes(1)).join();
        Lookup found = backend.lookup(key).join();
        assertThat(value(found)).contains("v1");
        assertThat(found.generation()).isEqualTo(before);

        backend.delete(key).join();
        Lookup afterDelete = backend.lookup(key).join();
        assertThat(afterDelete.entry()).isEmpty();
        assertThat(afterDelete.generation()).isNotEqualTo(before).isEqualTo(backend.generation(key).join());
        backend.put(key, entry("late", before), Duration.ofMinutes(1)).join();
        assertThat(backend.lookup(key).join().entry()).as("a write of data read before the delete").isEmpty();

        String now = afterDelete.generation();
        backend.put(key, entry("v2", now), Duration.ofMinutes(1)).join();
        assertThat(value(backend.lookup(key).join())).contains("v2");
        assertThat(backend.generation(QueryKey.of("user", 2, "posts")).join()).as("a sibling's is its own")
                .isEqualTo("0.0.0.0.0");

        backend.deleteByPrefix(QueryKey.of("user", 10)).join();
        assertThat(value(backend.lookup(key).join())).as("whole parts only").contains("v2");
        backend.deleteByPrefix(QueryKey.of("user", 1)).join();
        assertThat(backend.lookup(key).join().entry()).isEmpty();
        assertThat(backend.lookup(key).join().generation()).isNotEqualTo(now);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void aDeepKeysGenerationIsADigestThatStillMovesOnEachDelete(Path path) {
        RedisStorageBackend backend = backend(path, Duration.ofSeconds(2));
        Object[] parts = new Object[120];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = "p" + i;
        }
        QueryKey key = QueryKey.of(parts);
        String generation = backend.generation(key).join();
        assertThat(generation).startsWith("h").hasSize(33);
        backend.put(key, entry("deep", generation), Duration.ofMinutes(1)).join();
        assertThat(value(backend.lookup(key).join())).contains("deep");

        backend.deleteByPrefix(key.head(60)).join();
        Lookup after = backend.lookup(key).join();
        assertThat(after.entry()).isEmpty();
        assertThat(after.generation()).startsWith("h").hasSize(33).isNotEqualTo(generation);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void anEntryWrittenBeforeGenerationsCountsUntilItsKeyIsFirstDeleted(Path path) throws Exception {
        RedisStorageBackend backend = backend(path, Duration.ofSeconds(2));
        QueryKey key = QueryKey.of("old", 1);
        assertThat(REDIS.command("SET", "t:[\"old\",1]", "SQ1 1000\n\"v\"")).isEqualTo("+OK");
        assertThat(value(backend.lookup(key).join())).contains("\"v\"");

        backend.deleteByPrefix(QueryKey.of("other")).join();
        assertThat(value(backend.lookup(key).join())).as("another prefix's counter").contains("\"v\"");
        backend.deleteByPrefix(QueryKey.of("old")).join();
        assertThat(REDIS.command("SET", "t:[\"old\",1]", "SQ1 1000\n\"v\"")).isEqualTo("+OK");
        assertThat(backend.lookup(key).join().entry()).as("its prefix was deleted since").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void anUnreadableEntryFailsItsReadAsCorruptAndLeavesTheConnectionInStep(Path path) throws Exception {
        RedisStorageBackend backend = backend(path, Duration.ofSeconds(2));
        assertThat(REDIS.command("SET", "t:[\"bad\",1]", "garbage")).isEqualTo("+OK");
        assertThat(REDIS.command("SET", "t:[\"bad\",2]", "SQ2 5 not/a/generation\n{}")).isEqualTo("+OK");
        assertThat(REDIS.command("SET", "t:[\"bad\",3]", "SQ2 99999999999999999999 0.0.0.0\n{}")).isEqualTo("+OK");
        backend.put(QueryKey.of("good"), entry("fine", "0.0.0"), Duration.ofMinutes(1)).join();

        for (int i = 1; i <= 3; i++) {
            assertThat(backend.lookup(QueryKey.of("bad", i))).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(Exception.class).havingRootCause()
                    .isInstanceOf(CorruptStorageEntryException.class);
            assertThat(value(backend.lookup(QueryKey.of("good")).join())).contains("fine");
        }
        assertThat(backend.isAvailable()).as("a corrupt value is not Redis being down").isTrue();
    }

    @Test
    void readsWhileRedisHoldsCommandsFailAtTheOperationTimeoutAndLaterReadsGetTheirOwnAnswers() throws Exception {
        RedisStorageBackend backend = backend(Path.DIRECT, Duration.ofMillis(300));
        int keys = 20;
        for (int i = 0; i < keys; i++) {
            backend.put(QueryKey.of("k", i), entry("v" + i, "0.0.0.0"), Duration.ofMinutes(1)).join();
        }

        assertThat(REDIS.command("CLIENT", "PAUSE", "2000", "ALL")).isEqualTo("+OK");
        long start = System.nanoTime();
        List<CompletableFuture<Lookup>> held = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            held.add(backend.lookup(QueryKey.of("k", i)));
        }
        for (CompletableFuture<Lookup> read : held) {
            assertThat(read).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(Exception.class)
                    .havingRootCause().isInstanceOf(TimeoutException.class);
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMillis).as("not before the timeout, and long before Redis answers again")
                .isBetween(300L, 1500L);
        assertThat(backend.isAvailable()).isFalse();

        // Redis answers the held reads when the pause ends; each later read must get its own answer, not theirs.
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.lookup(QueryKey.of("k", 0))
                .handle((found, error) -> error == null).join());
        for (int i = 0; i < keys; i++) {
            assertThat(value(backend.lookup(QueryKey.of("k", i)).join())).contains("v" + i);
        }
        assertThat(backend.isAvailable()).isTrue();
    }

    @Test
    void aQueryWhoseL2ReadIsHeldGoesToItsSourceAfterTheStorageTimeout() throws Exception {
        RedisStorageBackend backend = backend(Path.DIRECT, Duration.ofMillis(300));
        ConcurrentLinkedQueue<QueryCacheEvent> events = new ConcurrentLinkedQueue<>();
        try (QueryClient client = QueryClient.builder().storage(backend).storageTimeout(Duration.ofMillis(300))
                .listener(events::add).build()) {
            assertThat(REDIS.command("CLIENT", "PAUSE", "2000", "ALL")).isEqualTo("+OK");
            long start = System.nanoTime();
            String value = client.fetchQuery(QueryOptions.builder(QueryKey.of("held"), ctx -> "from the source")
                    .type(String.class).build()).get(5, TimeUnit.SECONDS);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(value).isEqualTo("from the source");
            assertThat(elapsedMillis).as("waited for L2 up to its timeout, not until Redis answered")
                    .isBetween(300L, 1500L);
            assertThat(events).filteredOn(QueryCacheEvent.StorageError.class::isInstance)
                    .map(QueryCacheEvent.StorageError.class::cast)
                    .anySatisfy(e -> {
                        assertThat(e.operation()).isEqualTo(QueryCacheEvent.StorageOperation.GET);
                        assertThat(e.error()).isInstanceOf(TimeoutException.class);
                    });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.ping().join());
        }
    }
}
