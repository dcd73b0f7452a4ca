package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link StorageEntry#fromBuffer}: an envelope read in place from a network buffer, as the Redis backend does. */
class StorageEntryBufferTest {

    private static final Instant AT = Instant.ofEpochMilli(1_767_225_600_123L);

    /** {@code bytes} in the middle of a direct buffer, between other bytes, as a slice of a read buffer is. */
    private static ByteBuffer inBuffer(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 10);
        buffer.put("before".getBytes(StandardCharsets.US_ASCII)).put(bytes).put("afte".getBytes(
                StandardCharsets.US_ASCII));
        return buffer.position(6).limit(6 + bytes.length);
    }

    @Test
    void readsTheEnvelopeBetweenPositionAndLimitAndLeavesThemAsTheyWere() {
        StorageEntry written = new StorageEntry("{\"n\":1}".getBytes(StandardCharsets.UTF_8), AT, "12.0.7");
        ByteBuffer buffer = inBuffer(written.toBytes());

        StorageEntry read = StorageEntry.fromBuffer(buffer);

        assertThat(read).isEqualTo(written);
        assertThat(buffer.position()).isEqualTo(6);
        assertThat(buffer.limit()).isEqualTo(6 + written.toBytes().length);
        assertThat(StorageEntry.fromBuffer(inBuffer(new StorageEntry(new byte[0], AT).toBytes())))
                .isEqualTo(new StorageEntry(new byte[0], AT));
    }

    @Test
    void millisecondsAtTheEdgesOfALongReadBack() {
        for (long millis : new long[] {0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            StorageEntry written = new StorageEntry(new byte[] {1}, Instant.ofEpochMilli(millis), "0.0");
            assertThat(StorageEntry.fromBuffer(inBuffer(written.toBytes())).dataUpdatedAt())
                    .isEqualTo(Instant.ofEpochMilli(millis));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SQ2 5 0.0\n{}",          // readable, for contrast: the cases below differ from it in one place
            "SQ2 9223372036854775808 0.0\n{}", // one past Long.MAX_VALUE
            "SQ2 -9223372036854775809 0.0\n{}", // one below Long.MIN_VALUE
            "SQ2 - 0.0\n{}",           // a sign without digits
            "SQ2 5-5 0.0\n{}",         // a sign inside
            "SQ2 5 0/0\n{}",           // a character a generation never has, the length of the one before
            "SQ2 5 \n{}",              // an empty generation
            "SQ2 5\n{}",               // no generation at all
            "SQ3 5 0.0\n{}"})          // an unknown version
    void aBufferReadsAsTheSameBytesDoInAnArray(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Object fromArray = outcome(() -> StorageEntry.fromBytes(bytes));

        Object fromBuffer = outcome(() -> StorageEntry.fromBuffer(inBuffer(bytes)));

        assertThat(fromBuffer).isEqualTo(fromArray);
    }

    @Test
    void aGenerationReadBeforeIsReusedOnlyForTheSameCharacters() {
        StorageEntry first = StorageEntry.fromBuffer(inBuffer("SQ2 5 1.2.3\n{}".getBytes(StandardCharsets.US_ASCII)));
        StorageEntry again = StorageEntry.fromBuffer(inBuffer("SQ2 6 1.2.3\n{}".getBytes(StandardCharsets.US_ASCII)));
        assertThat(again.generation()).isSameAs(first.generation());

        assertThat(StorageEntry.fromBuffer(inBuffer("SQ2 6 1.2.4\n{}".getBytes(StandardCharsets.US_ASCII)))
                .generation()).isEqualTo("1.2.4");
        assertThatThrownBy(() -> StorageEntry.fromBuffer(inBuffer("SQ2 6 1 2.4\n{}".getBytes(
                StandardCharsets.US_ASCII)))).isInstanceOf(CorruptStorageEntryException.class);
    }

    /** The entry read, or the class and message of the exception. */
    private static Object outcome(java.util.function.Supplier<StorageEntry> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
