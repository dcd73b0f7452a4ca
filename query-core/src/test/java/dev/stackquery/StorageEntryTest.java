package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageEntryTest {

    private static final Instant AT = Instant.ofEpochMilli(1_767_225_600_123L);

    @Test
    void bytesRoundTripValueAndDataUpdatedAt() {
        byte[] value = "{\"name\":\"Ada\"}".getBytes(StandardCharsets.UTF_8);
        StorageEntry entry = new StorageEntry(value, AT);

        StorageEntry read = StorageEntry.fromBytes(entry.toBytes());

        assertThat(read.value()).isEqualTo(value);
        assertThat(read.dataUpdatedAt()).isEqualTo(AT);
        assertThat(read).isEqualTo(entry);
    }

    @Test
    void roundTripKeepsArbitraryBinaryPayloads() {
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 2, 5, 100, 4096}) {
            byte[] value = new byte[size];
            random.nextBytes(value);
            StorageEntry read = StorageEntry.fromBytes(new StorageEntry(value, AT).toBytes());
            assertThat(read.value()).as("payload of %d bytes", size).isEqualTo(value);
        }
    }

    @Test
    void roundTripKeepsPayloadsThatLookLikeHeaders() {
        byte[] value = "\nSQ1 5\nSQ9 x\n \n".getBytes(StandardCharsets.US_ASCII);

        StorageEntry read = StorageEntry.fromBytes(new StorageEntry(value, AT).toBytes());

        assertThat(read.value()).isEqualTo(value);
        assertThat(read.dataUpdatedAt()).isEqualTo(AT);
    }

    @Test
    void roundTripKeepsMillisecondsAtTheEdges() {
        for (long millis : new long[] {0L, 1L, -1L, -62_135_596_800_000L, 253_402_300_799_999L, Long.MAX_VALUE,
                Long.MIN_VALUE}) {
            Instant at = Instant.ofEpochMilli(millis);
            StorageEntry read = StorageEntry.fromBytes(new StorageEntry(new byte[] {1}, at).toBytes());
            assertThat(read.dataUpdatedAt()).as("millis %d", millis).isEqualTo(at);
        }
    }

    @Test
    void headerIsReadableAsciiWithVersionAndEpochMillis() {
        byte[] bytes = new StorageEntry("[1,2]".getBytes(StandardCharsets.US_ASCII), AT).toBytes();
        String text = new String(bytes, StandardCharsets.US_ASCII);

        assertThat(text).startsWith("SQ1 ");
        assertThat(text).isEqualTo("SQ1 1767225600123\n[1,2]");
        assertThat(StorageEntry.FORMAT_VERSION).isEqualTo(1);
    }

    @Test
    void toBytesDoesNotShareTheValueArray() {
        byte[] value = {1, 2, 3};
        StorageEntry entry = new StorageEntry(value, AT);
        byte[] first = entry.toBytes();

        first[first.length - 1] = 9;

        assertThat(entry.value()).containsExactly(1, 2, 3);
        assertThat(entry.toBytes()).isNotSameAs(first).endsWith(1, 2, 3);
    }

    @Test
    void emptyInputIsCorrupt() {
        assertThatThrownBy(() -> StorageEntry.fromBytes(new byte[0]))
                .isInstanceOf(CorruptStorageEntryException.class);
    }

    @Test
    void randomBytesAreCorrupt() {
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && bytes[0] == 'S') {
                bytes[0] = 'X';
            }
            assertThatThrownBy(() -> StorageEntry.fromBytes(bytes))
                    .as("random input %s", Arrays.toString(bytes))
                    .isInstanceOf(CorruptStorageEntryException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "XQ1 5\n{}",      // wrong magic
            "sq1 5\n{}",      // magic is case-sensitive
            "{\"name\":1}",  // a bare payload from before envelopes
            "SQ",             // magic only
            "SQ1",            // no space
            "SQ1 ",           // nothing after the space
            "SQ9 5\n{}",      // unknown version
            "SQ2 5\n{}",      // unknown (future) version
            "SQ10 5\n{}",     // unknown version with a matching first digit
            "SQ 5\n{}",       // empty version
            "SQ1\n5 {}",      // newline before the space
            "SQ1 abc\n{}",    // millis not a number
            "SQ1 \n{}",       // empty millis
            "SQ1 12.5\n{}",   // fractional millis
            "SQ1 5 6\n{}",    // space inside millis
            "SQ1 99999999999999999999\n{}", // millis beyond long
            "SQ1 5{}",        // missing newline
            "SQ1 1767225600123"}) // missing newline, nothing after the millis
    void malformedEnvelopesAreCorrupt(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> StorageEntry.fromBytes(bytes))
                .isInstanceOf(CorruptStorageEntryException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("StackQuery");
    }

    @Test
    void unknownVersionIsNamedInTheMessage() {
        assertThatThrownBy(() -> StorageEntry.fromBytes("SQ9 5\n{}".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(CorruptStorageEntryException.class)
                .hasMessageContaining("'9'");
    }

    @Test
    void badMillisAreCorrupt() {
        for (String header : new String[] {"SQ1 abc\n", "SQ1 +5\n", "SQ1 99999999999999999999\n", "SQ1 \n"}) {
            assertThatThrownBy(() -> StorageEntry.fromBytes((header + "{}").getBytes(StandardCharsets.US_ASCII)))
                    .as(header).isInstanceOf(CorruptStorageEntryException.class)
                    .hasMessageContaining("dataUpdatedAt");
        }
    }

    @Test
    void truncatedEnvelopeIsCorrupt() {
        byte[] full = new StorageEntry(new byte[] {1, 2, 3}, AT).toBytes();
        int newline = new String(full, StandardCharsets.ISO_8859_1).indexOf('\n');

        for (int length = 0; length <= newline; length++) {
            byte[] truncated = Arrays.copyOf(full, length);
            assertThatThrownBy(() -> StorageEntry.fromBytes(truncated))
                    .as("first %d bytes", length)
                    .isInstanceOf(CorruptStorageEntryException.class);
        }
    }

    @Test
    void headerWithoutPayloadIsAnEmptyValue() {
        StorageEntry read = StorageEntry.fromBytes("SQ1 42\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(read.value()).isEmpty();
        assertThat(read.dataUpdatedAt()).isEqualTo(Instant.ofEpochMilli(42));
    }

    @Test
    void equalsAndHashCodeCompareContent() {
        StorageEntry a = new StorageEntry(new byte[] {1, 2, 3}, AT);
        StorageEntry b = new StorageEntry(new byte[] {1, 2, 3}, Instant.ofEpochMilli(AT.toEpochMilli()));

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new StorageEntry(new byte[] {1, 2, 4}, AT));
        assertThat(a).isNotEqualTo(new StorageEntry(new byte[] {1, 2}, AT));
        assertThat(a).isNotEqualTo(new StorageEntry(new byte[] {1, 2, 3}, AT.plusMillis(1)));
        assertThat(a).isNotEqualTo(null);
        assertThat(a).isNotEqualTo("SQ1");
    }

    @Test
    void toStringShowsSizeNotContent() {
        StorageEntry entry = new StorageEntry("secret".getBytes(StandardCharsets.US_ASCII), AT);

        assertThat(entry.toString()).contains("6 bytes").doesNotContain("secret");
    }

    @Test
    void nullsAreRejectedByName() {
        assertThatThrownBy(() -> new StorageEntry(null, AT))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("value");
        assertThatThrownBy(() -> new StorageEntry(new byte[0], null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("dataUpdatedAt");
        assertThatThrownBy(() -> StorageEntry.fromBytes(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("bytes");
    }
}
