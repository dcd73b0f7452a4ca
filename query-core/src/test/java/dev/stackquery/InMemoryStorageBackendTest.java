package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class InMemoryStorageBackendTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Instant DATA_UPDATED_AT = Instant.parse("2025-12-31T23:59:00Z");

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryStorageBackend backend = new InMemoryStorageBackend(clock);

    @Test
    void getReturnsWhatPutStored() {
        StorageEntry entry = entry("alice");

        backend.put(QueryKey.of("user", 1), entry, TTL).join();

        assertThat(read(QueryKey.of("user", 1))).contains(entry);
    }

    @Test
    void getOfAnUnknownKeyIsEmpty() {
        backend.put(QueryKey.of("user", 1), entry("alice"), TTL).join();

        assertThat(read(QueryKey.of("user", 2))).isEmpty();
        assertThat(read(QueryKey.of("user"))).isEmpty();
    }

    @Test
    void keysAreMatchedByValue() {
        StorageEntry entry = entry("alice");
        backend.put(QueryKey.of("user", 1), entry, TTL).join();

        assertThat(read(QueryKey.of("user", 1L))).contains(entry);
        assertThat(read(QueryKey.of("user", 1.0))).isEmpty();
        assertThat(read(QueryKey.of("user", "1"))).isEmpty();
    }

    @Test
    void putReplacesTheEntryAndItsTtl() {
        QueryKey key = QueryKey.of("user", 1);
        backend.put(key, entry("old"), Duration.ofSeconds(10)).join();

        backend.put(key, entry("new"), Duration.ofMinutes(10)).join();
        clock.advance(Duration.ofMinutes(5));

        assertThat(read(key)).contains(entry("new"));
        assertThat(backend.size()).isEqualTo(1);
    }

    @Test
    void entryLivesUntilItsTtlHasPassed() {
        QueryKey key = QueryKey.of("user", 1);
        backend.put(key, entry("alice"), Duration.ofSeconds(10)).join();

        clock.advance(Duration.ofMillis(9_999));
        assertThat(read(key)).isPresent();

        clock.advance(Duration.ofMillis(1));
        assertThat(read(key)).isEmpty();
    }

    @Test
    void expiredEntryIsDroppedWhenRead() {
        QueryKey key = QueryKey.of("user", 1);
        backend.put(key, entry("alice"), Duration.ofSeconds(10)).join();
        clock.advance(Duration.ofSeconds(11));

        assertThat(backend.size()).isEqualTo(1);
        assertThat(read(key)).isEmpty();
        assertThat(backend.size()).isZero();
    }

    @Test
    void ttlIsCountedFromThePutNotFromTheDataTimestamp() {
        QueryKey key = QueryKey.of("user", 1);
        clock.advance(Duration.ofDays(3));
        StorageEntry oldData = new StorageEntry(bytes("alice"), Instant.parse("2025-01-01T00:00:00Z"));

        backend.put(key, oldData, Duration.ofSeconds(10)).join();
        clock.advance(Duration.ofSeconds(5));

        assertThat(read(key)).contains(oldData);
    }

    @Test
    void hugeTtlDoesNotOverflowIntoThePast() {
        QueryKey key = QueryKey.of("forever");
        backend.put(key, entry("alice"), Duration.ofSeconds(Long.MAX_VALUE)).join();
        backend.put(QueryKey.of("long"), entry("bob"), Duration.ofMillis(Long.MAX_VALUE)).join();

        clock.advance(Duration.ofDays(365 * 100));

        assertThat(read(key)).isPresent();
        assertThat(read(QueryKey.of("long"))).isPresent();
    }

    @Test
    void eachEntryHasItsOwnTtl() {
        backend.put(QueryKey.of("short"), entry("a"), Duration.ofSeconds(1)).join();
        backend.put(QueryKey.of("long"), entry("b"), Duration.ofSeconds(100)).join();

        clock.advance(Duration.ofSeconds(2));

        assertThat(read(QueryKey.of("short"))).isEmpty();
        assertThat(read(QueryKey.of("long"))).contains(entry("b"));
    }

    @Test
    void deleteRemovesOnlyThatKey() {
        putAll(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"));

        backend.delete(QueryKey.of("user", 1)).join();

        assertThat(read(QueryKey.of("user", 1))).isEmpty();
        assertThat(read(QueryKey.of("user"))).isPresent();
        assertThat(read(QueryKey.of("user", 1, "posts"))).isPresent();
        assertThat(backend.size()).isEqualTo(2);
    }

    @Test
    void deleteOfAnUnknownKeyDoesNothing() {
        putAll(QueryKey.of("user", 1));

        backend.delete(QueryKey.of("user", 2)).join();

        assertThat(backend.size()).isEqualTo(1);
    }

    @Test
    void deleteByPrefixRemovesThePrefixAndWhatIsBelowItButNotSimilarNames() {
        putAll(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"),
                QueryKey.of("users"), QueryKey.of("users", 1), QueryKey.of("use"), QueryKey.of("user\",1"),
                QueryKey.of((Object) List.of("user")), QueryKey.of("other", "user"));

        backend.deleteByPrefix(QueryKey.of("user")).join();

        assertAbsent(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"));
        assertPresent(QueryKey.of("users"), QueryKey.of("users", 1), QueryKey.of("use"), QueryKey.of("user\",1"),
                QueryKey.of((Object) List.of("user")), QueryKey.of("other", "user"));
        assertThat(backend.size()).isEqualTo(6);
    }

    @Test
    void deleteByPrefixRespectsWholeNumberParts() {
        putAll(QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"), QueryKey.of("user", 10),
                QueryKey.of("user", 1.5), QueryKey.of("user", "1"), QueryKey.of("user", 2));

        backend.deleteByPrefix(QueryKey.of("user", 1)).join();

        assertAbsent(QueryKey.of("user", 1), QueryKey.of("user", 1, "posts"));
        assertPresent(QueryKey.of("user", 10), QueryKey.of("user", 1.5), QueryKey.of("user", "1"),
                QueryKey.of("user", 2));
    }

    @Test
    void deleteByEmptyPrefixRemovesEverything() {
        putAll(QueryKey.of("user"), QueryKey.of("user", 1), QueryKey.of("users"), QueryKey.of(1),
                QueryKey.of(List.of(1, 2)), QueryKey.of(true));

        backend.deleteByPrefix(QueryKey.of()).join();

        assertThat(backend.size()).isZero();
        assertAbsent(QueryKey.of("user"), QueryKey.of("users"), QueryKey.of(1));
    }

    @Test
    void everyOperationCompletesAtOnce() {
        QueryKey key = QueryKey.of("k");
        List<CompletableFuture<?>> futures = List.of(
                backend.put(key, entry("v"), TTL),
                backend.get(key),
                backend.deleteByPrefix(QueryKey.of("x")),
                backend.delete(key));

        assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted());
    }

    @Test
    void entriesAreSharedBetweenClientsOfTheSameBackendAndSurviveClose() {
        backend.put(QueryKey.of("k"), entry("v"), TTL).join();

        backend.close();

        Optional<StorageEntry> read = read(QueryKey.of("k"));
        assertThat(read).contains(entry("v"));
        assertThat(backend.name()).isEqualTo("memory");
    }

    @Test
    void nullEntryOrClockIsRejected() {
        assertThatThrownBy(() -> backend.put(QueryKey.of("k"), null, TTL))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("entry");
        assertThatThrownBy(() -> new InMemoryStorageBackend(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
    }

    private void putAll(QueryKey... keys) {
        for (QueryKey key : keys) {
            backend.put(key, entry(key.canonical()), TTL).join();
        }
        assertThat(backend.size()).isEqualTo(keys.length);
    }

    private void assertPresent(QueryKey... keys) {
        for (QueryKey key : keys) {
            assertThat(read(key)).as("entry of %s", key).contains(entry(key.canonical()));
        }
    }

    private void assertAbsent(QueryKey... keys) {
        for (QueryKey key : keys) {
            assertThat(read(key)).as("entry of %s", key).isEmpty();
        }
    }

    private static StorageEntry entry(String value) {
        return new StorageEntry(bytes(value), DATA_UPDATED_AT);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWriteOfDataReadBeforeADeleteIsNeverReturnedAfterIt() {
        QueryKey key = QueryKey.of("user", 1);
        String before = backend.generation(key).join();
        backend.delete(key).join();
        backend.put(key, new StorageEntry(bytes("old"), DATA_UPDATED_AT, before), TTL).join();
        assertThat(backend.get(key).join()).as("written under the generation before the delete").isEmpty();
        assertThat(backend.lookup(key).join().entry()).isEmpty();

        String now = backend.generation(key).join();
        backend.put(key, new StorageEntry(bytes("new"), DATA_UPDATED_AT, now), TTL).join();
        assertThat(backend.lookup(key).join()).satisfies(found -> {
            assertThat(found.generation()).isEqualTo(now).isNotEqualTo(before);
            assertThat(found.entry()).hasValueSatisfying(e -> assertThat(e.value()).isEqualTo(bytes("new")));
        });
    }

    @Test
    void aPrefixDeleteMovesTheGenerationOfEveryKeyBelowItAndNoOther() {
        QueryKey below = QueryKey.of("user", 1, "posts");
        QueryKey similar = QueryKey.of("users", 1);
        String belowBefore = backend.generation(below).join();
        String similarBefore = backend.generation(similar).join();
        backend.deleteByPrefix(QueryKey.of("user")).join();
        assertThat(backend.generation(below).join()).isNotEqualTo(belowBefore);
        assertThat(backend.generation(similar).join()).isEqualTo(similarBefore);
        backend.deleteByPrefix(QueryKey.of()).join();
        assertThat(backend.generation(similar).join()).as("the empty prefix covers every key")
                .isNotEqualTo(similarBefore);
    }

    @Test
    void generationsAreNeverEmptyAndAnEntryWithoutOneIsTakenAsOfNow() {
        QueryKey key = QueryKey.of("k");
        backend.delete(key).join();
        assertThat(backend.generation(key).join()).isNotEmpty();
        backend.put(key, entry("legacy"), TTL).join();
        assertThat(backend.get(key).join()).hasValueSatisfying(e -> assertThat(e.generation())
                .isEqualTo(backend.generation(key).join()));
    }

    /** The entry of {@code key} as it was put: the generation the backend stamped on it is left out. */
    private Optional<StorageEntry> read(QueryKey key) {
        return backend.get(key).join().map(entry -> new StorageEntry(entry.value(), entry.dataUpdatedAt()));
    }
}
