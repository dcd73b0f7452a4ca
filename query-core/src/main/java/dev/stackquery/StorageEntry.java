package dev.stackquery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

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
        if (bytes.length < 5 || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1]) {
            throw new CorruptStorageEntryException("not a StackQuery storage entry (no SQ header)");
        }
        int space = indexOf(bytes, (byte) ' ', 2);
        int newline = space < 0 ? -1 : indexOf(bytes, (byte) '\n', space + 1);
        if (space < 0 || newline < 0) {
            throw new CorruptStorageEntryException("malformed StackQuery storage entry header");
        }
        String version = new String(bytes, 2, space - 2, StandardCharsets.US_ASCII);
        boolean withGeneration = String.valueOf(GENERATION_FORMAT_VERSION).equals(version);
        if (!withGeneration && !String.valueOf(FORMAT_VERSION).equals(version)) {
            throw new CorruptStorageEntryException("unsupported StackQuery storage entry version '" + version
                    + "'");
        }
        String generation = "";
        int millisEnd = newline;
        if (withGeneration) {
            millisEnd = indexOf(bytes, (byte) ' ', space + 1);
            if (millisEnd < 0 || millisEnd > newline) {
                throw new CorruptStorageEntryException("malformed StackQuery storage entry header (no generation)");
            }
            generation = new String(bytes, millisEnd + 1, newline - millisEnd - 1, StandardCharsets.US_ASCII);
            if (generation.isEmpty() || !isGeneration(generation)) {
                throw new CorruptStorageEntryException("malformed generation in StackQuery storage entry");
            }
        }
        if (millisEnd - space > 21) {
            throw new CorruptStorageEntryException("malformed StackQuery storage entry header");
        }
        for (int i = space + 1; i < millisEnd; i++) {
            if ((bytes[i] < '0' || bytes[i] > '9') && !(i == space + 1 && bytes[i] == '-')) {
                throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry");
            }
        }
        long millis;
        try {
            millis = Long.parseLong(new String(bytes, space + 1, millisEnd - space - 1, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry", e);
        }
        return new StorageEntry(Arrays.copyOfRange(bytes, newline + 1, bytes.length), Instant.ofEpochMilli(millis),
                generation);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
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
