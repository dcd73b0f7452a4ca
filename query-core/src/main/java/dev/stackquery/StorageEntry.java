package dev.stackquery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One value as an L2 backend stores it: the codec's bytes, when the data was read from its source, and the key's
 * {@linkplain StorageBackend#generation(QueryKey) generation} at that moment.
 *
 * <p>Backends that keep a single blob per key (Redis, a JDBC column) store {@link #toBytes()}, a versioned
 * envelope: the ASCII header {@code SQ1 <dataUpdatedAt epoch millis>\n} (or {@code SQ2 <millis> <generation>\n} for an
 * entry with a generation) followed by the codec's payload, so that an entry is readable with {@code redis-cli} and a
 * later format can be told apart. {@link #fromBytes(byte[])} rejects anything else with an
 * {@link CorruptStorageEntryException}; the client treats such an entry as a miss and deletes it.
 *
 * @param value the codec's bytes
 * @param dataUpdatedAt when the data was read from its source (a fetch's start, or when it was set)
 * @param generation the key's generation read before the data was read from its source; empty when unknown (the
 *        backend tracks none). Letters, digits and {@code . : _ -}, at most 256 characters.
 */
public record StorageEntry(byte[] value, Instant dataUpdatedAt, String generation) {

    /** Version written by {@link #toBytes()} for an entry without a generation. */
    public static final int FORMAT_VERSION = 1;
    /** Version written by {@link #toBytes()} for an entry with a generation. */
    public static final int GENERATION_FORMAT_VERSION = 2;

    private static final byte[] MAGIC = "SQ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_GENERATION_LENGTH = 256;
    /** The generation read last; racy on purpose (any well-formed generation read is a right answer). */
    private static volatile @Nullable String recentGeneration;

    /** Checks the fields; the array is not copied, so callers must not change it afterwards. */
    public StorageEntry {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(dataUpdatedAt, "dataUpdatedAt");
        Objects.requireNonNull(generation, "generation");
        if (!isGeneration(generation)) {
            throw new IllegalArgumentException("generation must be at most " + MAX_GENERATION_LENGTH
                    + " letters, digits or . : _ - but was '" + generation + "'");
        }
    }

    /** An entry of a backend that tracks no generations. */
    public StorageEntry(byte[] value, Instant dataUpdatedAt) {
        this(value, dataUpdatedAt, "");
    }

    /** Whether {@code text} is a well-formed generation. */
    static boolean isGeneration(String text) {
        if (text.length() > MAX_GENERATION_LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.'
                    || c == ':' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The versioned envelope of this entry. */
    public byte[] toBytes() {
        String head = generation.isEmpty() ? "SQ" + FORMAT_VERSION + " " + dataUpdatedAt.toEpochMilli()
                : "SQ" + GENERATION_FORMAT_VERSION + " " + dataUpdatedAt.toEpochMilli() + " " + generation;
        byte[] header = (head + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(header, header.length + value.length);
        System.arraycopy(value, 0, out, header.length, value.length);
        return out;
    }

    /**
     * Reads an envelope written by {@link #toBytes()}.
     *
     * @throws CorruptStorageEntryException if the bytes are not an envelope of a known version
     */
    public static StorageEntry fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return fromBuffer(ByteBuffer.wrap(bytes));
    }

    /**
     * Reads an envelope from the remaining bytes of {@code bytes} (a network buffer, say), copying only the payload;
     * the buffer's position is left as it was.
     *
     * @throws CorruptStorageEntryException if the bytes are not an envelope of a known version
     */
    public static StorageEntry fromBuffer(ByteBuffer bytes) {
        Objects.requireNonNull(bytes, "bytes");
        int start = bytes.position();
        int end = bytes.limit();
        if (end - start < 5 || bytes.get(start) != MAGIC[0] || bytes.get(start + 1) != MAGIC[1]) {
            throw new CorruptStorageEntryException("not a StackQuery storage entry (no SQ header)");
        }
        int space = indexOf(bytes, (byte) ' ', start + 2, end);
        int newline = space < 0 ? -1 : indexOf(bytes, (byte) '\n', space + 1, end);
        if (space < 0 || newline < 0) {
            throw new CorruptStorageEntryException("malformed StackQuery storage entry header");
        }
        boolean withGeneration = isVersion(bytes, start + 2, space, GENERATION_FORMAT_VERSION);
        if (!withGeneration && !isVersion(bytes, start + 2, space, FORMAT_VERSION)) {
            throw new CorruptStorageEntryException("unsupported StackQuery storage entry version '"
                    + ascii(bytes, start + 2, space) + "'");
        }
        String generation = "";
        int millisEnd = newline;
        if (withGeneration) {
            millisEnd = indexOf(bytes, (byte) ' ', space + 1, newline);
            if (millisEnd < 0) {
                throw new CorruptStorageEntryException("malformed StackQuery storage entry header (no generation)");
            }
            generation = generation(bytes, millisEnd + 1, newline);
        }
        if (millisEnd - space > 21) {
            throw new CorruptStorageEntryException("malformed StackQuery storage entry header");
        }
        long millis = millis(bytes, space + 1, millisEnd);
        byte[] value = new byte[end - newline - 1];
        bytes.get(newline + 1, value);
        return new StorageEntry(value, Instant.ofEpochMilli(millis), generation);
    }

    private static boolean isVersion(ByteBuffer bytes, int from, int to, int version) {
        // Versions are single digits so far; "SQ10" is not "SQ1".
        return to - from == 1 && bytes.get(from) == '0' + version;
    }

    /**
     * The generation written between {@code from} and {@code to}; the one read last when it is the same, as entries
     * mostly carry one of a few generations, so that a read makes no new string for it.
     */
    private static String generation(ByteBuffer bytes, int from, int to) {
        String recent = recentGeneration;
        if (recent != null && recent.length() == to - from) {
            int i = 0;
            while (i < to - from && recent.charAt(i) == bytes.get(from + i)) {
                i++;
            }
            if (i == to - from) {
                return recent;
            }
        }
        String generation = ascii(bytes, from, to);
        if (generation.isEmpty() || !isGeneration(generation)) {
            throw new CorruptStorageEntryException("malformed generation in StackQuery storage entry");
        }
        recentGeneration = generation;
        return generation;
    }

    /** Epoch millis written in ASCII between {@code from} and {@code to}: digits, maybe after a minus sign. */
    private static long millis(ByteBuffer bytes, int from, int to) {
        boolean negative = from < to && bytes.get(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to) {
            throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry");
        }
        long value = 0; // accumulated negatively, so that Long.MIN_VALUE fits
        for (; i < to; i++) {
            int digit = bytes.get(i) - '0';
            if (digit < 0 || digit > 9 || value < Long.MIN_VALUE / 10 || value * 10 < Long.MIN_VALUE + digit) {
                throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry");
            }
            value = value * 10 - digit;
        }
        if (!negative && value == Long.MIN_VALUE) {
            throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry");
        }
        return negative ? value : -value;
    }

    private static String ascii(ByteBuffer bytes, int from, int to) {
        byte[] text = new byte[to - from];
        bytes.get(from, text);
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static int indexOf(ByteBuffer bytes, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes.get(i) == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StorageEntry that && Arrays.equals(value, that.value)
                && dataUpdatedAt.equals(that.dataUpdatedAt) && generation.equals(that.generation);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(value) + dataUpdatedAt.hashCode()) + generation.hashCode();
    }

    @Override
    public String toString() {
        return "StorageEntry[" + value.length + " bytes, dataUpdatedAt=" + dataUpdatedAt
                + (generation.isEmpty() ? "" : ", generation=" + generation) + "]";
    }
}
