package dev.stackquery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One value as an L2 backend stores it: the codec's bytes and when the data was fetched.
 *
 * <p>Backends that keep a single blob per key (Redis, a JDBC column) store {@link #toBytes()}, a versioned
 * envelope: the ASCII header {@code SQ1 <dataUpdatedAt epoch millis>\n} followed by the codec's payload, so that an
 * entry is readable with {@code redis-cli} and a later format can be told apart. {@link #fromBytes(byte[])} rejects
 * anything else with an {@link CorruptStorageEntryException}; the client treats such an entry as a miss and deletes it.
 *
 * @param value the codec's bytes
 * @param dataUpdatedAt when the data was fetched or set
 */
public record StorageEntry(byte[] value, Instant dataUpdatedAt) {

    /** Version written by {@link #toBytes()}. */
    public static final int FORMAT_VERSION = 1;

    private static final byte[] MAGIC = "SQ".getBytes(StandardCharsets.US_ASCII);

    /** Checks the fields; the array is not copied, so callers must not change it afterwards. */
    public StorageEntry {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(dataUpdatedAt, "dataUpdatedAt");
    }

    /** The versioned envelope of this entry. */
    public byte[] toBytes() {
        byte[] header = ("SQ" + FORMAT_VERSION + " " + dataUpdatedAt.toEpochMilli() + "\n")
                .getBytes(StandardCharsets.US_ASCII);
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
        if (space < 0 || newline < 0 || newline - space > 21) {
            throw new CorruptStorageEntryException("malformed StackQuery storage entry header");
        }
        String version = new String(bytes, 2, space - 2, StandardCharsets.US_ASCII);
        if (!String.valueOf(FORMAT_VERSION).equals(version)) {
            throw new CorruptStorageEntryException("unsupported StackQuery storage entry version '" + version
                    + "'");
        }
        for (int i = space + 1; i < newline; i++) {
            if ((bytes[i] < '0' || bytes[i] > '9') && !(i == space + 1 && bytes[i] == '-')) {
                throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry");
            }
        }
        long millis;
        try {
            millis = Long.parseLong(new String(bytes, space + 1, newline - space - 1, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new CorruptStorageEntryException("malformed dataUpdatedAt in StackQuery storage entry", e);
        }
        return new StorageEntry(Arrays.copyOfRange(bytes, newline + 1, bytes.length), Instant.ofEpochMilli(millis));
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
                && dataUpdatedAt.equals(that.dataUpdatedAt);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(value) + dataUpdatedAt.hashCode();
    }

    @Override
    public String toString() {
        return "StorageEntry[" + value.length + " bytes, dataUpdatedAt=" + dataUpdatedAt + "]";
    }
}
