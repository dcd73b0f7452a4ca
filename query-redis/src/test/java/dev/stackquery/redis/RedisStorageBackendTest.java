package dev.stackquery.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.QueryKey;
import dev.stackquery.StorageEntry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

class RedisStorageBackendTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static LettuceConnectionFactory factory;
    private static RedisStorageBackend backend;

    @BeforeAll
    static void connect() {
        factory = REDIS.connectionFactory();
        backend = RedisStorageBackend.builder(factory).keyPrefix("test:").build();
    }

    @AfterAll
    static void disconnect() {
        factory.destroy();
    }

    @BeforeEach
    void flush() throws Exception {
        assertThat(REDIS.command("FLUSHALL")).isEqualTo("+OK");
    }

    private static StorageEntry entry(String text) {
        return new StorageEntry(text.getBytes(StandardCharsets.UTF_8), Instant.parse("2026-05-01T00:00:00Z"));
    }

    @Test
    void storesTheEnvelopeUnderThePrefixedCanonicalKeyWithTheTtl() throws Exception {
        QueryKey key = QueryKey.of("user", 1);
        backend.put(key, entry("{\"name\":\"Ada\"}"), Duration.ofSeconds(60)).join();
        assertThat(backend.get(key).join()).hasValueSatisfying(read -> {
            assertThat(read.value()).isEqualTo(entry("{\"name\":\"Ada\"}").value());
            assertThat(read.generation()).as("stamped with the key's generation as it landed").isEqualTo("0.0.0.0");
        });
        try (var connection = factory.getConnection()) {
            byte[] stored = connection.stringCommands().get("test:[\"user\",1]".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(stored, StandardCharsets.UTF_8)).startsWith("SQ2 1777593600000 0.0.0.0\n");
        }
        long ttl = Long.parseLong(REDIS.command("PTTL", "test:[\"user\",1]").substring(1));
        assertThat(ttl).isBetween(55_000L, 60_000L);
        assertThat(backend.get(QueryKey.of("user", 2)).join()).isEmpty();
    }

    @Test
    void deleteByPrefixRespectsWholePartsAndEscapesGlobCharacters() {
        List<QueryKey> keys = List.of(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"),
                QueryKey.of("users"), QueryKey.of("users", 1), QueryKey.of("a*b", 1), QueryKey.of("axb", 1),
                QueryKey.of("[x]", 1), QueryKey.of("x", 1));
        for (QueryKey key : keys) {
            backend.put(key, entry("v"), Duration.ofMinutes(1)).join();
        }
        backend.deleteByPrefix(QueryKey.of("user")).join();
        backend.deleteByPrefix(QueryKey.of("a*b")).join();
        backend.deleteByPrefix(QueryKey.of("[x]")).join();
        List<QueryKey> left = new ArrayList<>();
        for (QueryKey key : keys) {
            if (backend.get(key).join().isPresent()) {
                left.add(key);
            }
        }
        assertThat(left).containsExactlyInAnyOrder(QueryKey.of("users"), QueryKey.of("users", 1),
                QueryKey.of("axb", 1), QueryKey.of("x", 1));
    }

    @Test
    void deletingEverythingLeavesOtherApplicationsKeysAloneAndWalksNoKey() throws Exception {
        backend.put(QueryKey.of("a"), entry("v"), Duration.ofMinutes(1)).join();
        backend.put(QueryKey.of("b", 1), entry("v"), Duration.ofMinutes(1)).join();
        assertThat(REDIS.command("SET", "other:key", "1")).isEqualTo("+OK");
        for (int i = 0; i < 1200; i++) {
            backend.put(QueryKey.of("bulk", i), entry("v"), Duration.ofMinutes(1)).join();
        }
        assertThat(REDIS.command("CONFIG", "RESETSTAT")).isEqualTo("+OK");
        backend.deleteByPrefix(QueryKey.of()).join();
        assertThat(backend.get(QueryKey.of("a")).join()).isEmpty();
        assertThat(backend.get(QueryKey.of("b", 1)).join()).isEmpty();
        assertThat(backend.get(QueryKey.of("bulk", 1199)).join()).isEmpty();
        assertThat(REDIS.command("EXISTS", "other:key")).isEqualTo(":1");
        try (var connection = factory.getConnection()) {
            var stats = connection.serverCommands().info("commandstats");
            assertThat(stats.stringPropertyNames()).as("one counter moved, no key walked")
                    .contains("cmdstat_evalsha").doesNotContain("cmdstat_scan", "cmdstat_keys");
        }
    }

    @Test
    void aWriteOfDataReadBeforeADeleteIsNeverReturnedAfterItHoweverLateItLands() {
        QueryKey key = QueryKey.of("user", 1);
        String before = backend.generation(key).join();
        backend.delete(key).join();
        backend.put(key, new StorageEntry(entry("old").value(), entry("old").dataUpdatedAt(), before),
                Duration.ofMinutes(1)).join();
        assertThat(backend.get(key).join()).as("written under the generation before the delete").isEmpty();

        String now = backend.generation(key).join();
        assertThat(now).isNotEqualTo(before);
        backend.put(key, new StorageEntry(entry("new").value(), entry("new").dataUpdatedAt(), now),
                Duration.ofMinutes(1)).join();
        assertThat(backend.lookup(key).join().entry()).hasValueSatisfying(e -> assertThat(
                new String(e.value(), StandardCharsets.UTF_8)).isEqualTo("new"));

        backend.deleteByPrefix(QueryKey.of("user")).join();
        assertThat(backend.get(key).join()).as("a prefix delete moves the generation of the keys below it").isEmpty();
        assertThat(backend.generation(QueryKey.of("users", 1)).join()).as("whole parts only")
                .isEqualTo("0.0.0.0");
    }

    @Test
    void aCounterThatExpiredComesBackAboveEveryValueItHad() throws Exception {
        QueryKey key = QueryKey.of("k");
        backend.delete(key).join();
        String first = backend.generation(key).join();
        assertThat(REDIS.command("DEL", "test:gen:key:[\"k\"]")).isEqualTo(":1");
        backend.delete(key).join();
        String second = backend.generation(key).join();
        assertThat(second).isNotEqualTo(first);
        long firstCounter = Long.parseLong(first.substring(0, first.indexOf('.')));
        long secondCounter = Long.parseLong(second.substring(0, second.indexOf('.')));
        assertThat(secondCounter).as("started from Redis' clock, not from 1").isGreaterThan(firstCounter);
        long ttl = Long.parseLong(REDIS.command("PTTL", "test:gen:key:[\"k\"]").substring(1));
        assertThat(ttl).as("counters expire").isPositive();
    }

    @Test
    void aValueThatIsNotAnEnvelopeFailsTheReadAsCorrupt() throws Exception {
        assertThat(REDIS.command("SET", "test:[\"bad\"]", "garbage")).isEqualTo("+OK");
        assertThat(backend.get(QueryKey.of("bad"))).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(Exception.class).havingRootCause()
                .isInstanceOf(CorruptStorageEntryException.class);
        assertThat(backend.isAvailable()).as("a corrupt value is not Redis being down").isTrue();
    }

    @Test
    void pingAnswersWhileRedisIsUp() {
        assertThat(backend.ping().join()).isTrue();
    }

    @Test
    void readsMoveToTheirOwnConnectionAndStillSeeEnvelopesAndCorruptValues() throws Exception {
        RedisStorageBackend fresh = RedisStorageBackend.builder(factory).keyPrefix("test:").build();
        try {
            QueryKey key = QueryKey.of("user", 9);
            // With its generation given, a put reads nothing first.
            fresh.put(key, new StorageEntry("{\"n\":9}".getBytes(StandardCharsets.UTF_8),
                    Instant.ofEpochMilli(1_000), "0.0.0.0"), Duration.ofMinutes(1)).join();
            assertThat(fresh.readsDirectly()).as("opened in the background, not on the first read").isFalse();
            assertThat(fresh.get(key).join()).isPresent();
            await().atMost(Duration.ofSeconds(5)).until(fresh::readsDirectly);

            StorageEntry read = fresh.get(key).join().orElseThrow();
            assertThat(new String(read.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":9}");
            assertThat(read.dataUpdatedAt()).isEqualTo(Instant.ofEpochMilli(1_000));
            assertThat(fresh.get(QueryKey.of("user", 10)).join()).isEmpty();

            assertThat(REDIS.command("SET", "test:[\"bad\"]", "garbage")).isEqualTo("+OK");
            assertThat(fresh.get(QueryKey.of("bad"))).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(Exception.class).havingRootCause()
                    .isInstanceOf(CorruptStorageEntryException.class);
            assertThat(fresh.isAvailable()).isTrue();
        } finally {
            fresh.close();
        }
        assertThat(fresh.readsDirectly()).as("closed with the backend").isFalse();
    }
}
