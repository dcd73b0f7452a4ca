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
        assertThat(backend.get(key).join()).contains(entry("{\"name\":\"Ada\"}"));
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
    void deletingEverythingLeavesOtherApplicationsKeysAlone() throws Exception {
        backend.put(QueryKey.of("a"), entry("v"), Duration.ofMinutes(1)).join();
        backend.put(QueryKey.of("b", 1), entry("v"), Duration.ofMinutes(1)).join();
        assertThat(REDIS.command("SET", "other:key", "1")).isEqualTo("+OK");
        for (int i = 0; i < 1200; i++) { // more than one SCAN / UNLINK batch
            backend.put(QueryKey.of("bulk", i), entry("v"), Duration.ofMinutes(1)).join();
        }
        backend.deleteByPrefix(QueryKey.of()).join();
        assertThat(REDIS.command("DBSIZE")).isEqualTo(":1");
        assertThat(REDIS.command("EXISTS", "other:key")).isEqualTo(":1");
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
            fresh.put(key, new StorageEntry("{\"n\":9}".getBytes(StandardCharsets.UTF_8),
                    Instant.ofEpochMilli(1_000)), Duration.ofMinutes(1)).join();
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
