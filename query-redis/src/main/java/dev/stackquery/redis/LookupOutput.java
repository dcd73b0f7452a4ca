package dev.stackquery.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import dev.stackquery.CorruptStorageEntryException;
import dev.stackquery.StorageBackend.Lookup;
import dev.stackquery.StorageEntry;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import org.jspecify.annotations.Nullable;

/**
 * Reads the reply of one read ({@link KeyLayout#readKeys}) as it arrives: the entry, if asked for, then the counters
 * that make the key's generation. Only the entry's payload is copied out of the network buffer; the counters are
 * compared in place with the generation the entry carries, so that a current entry costs no generation string. Filled
 * and read by one thread at a time: Lettuce's for a {@link LookupCommand}, the one completing the call on the other
 * paths.
 */
final class LookupOutput extends CommandOutput<byte[], byte[], Lookup> {

    /** Longest generation written as it is; a longer one (a deep key) is written as its digest. */
    private static final int MAX_PLAIN_GENERATION = 200;

    private final boolean withEntry;
    private int replies;
    private @Nullable StorageEntry entry;
    private @Nullable CorruptStorageEntryException corrupt;
    /** The generation the counters are expected to make (the entry's), or null once they differ from it. */
    private @Nullable String expected;
    /** How many characters of {@link #expected} the counters made so far. */
    private int matched;
    /** The generation made so far, once it is not {@link #expected}'s start. */
    private @Nullable StringBuilder built;
    private boolean anyCounter;

    LookupOutput(boolean withEntry) {
        super(ByteArrayCodec.INSTANCE, null);
        this.withEntry = withEntry;
    }

    /** One value of the reply, in key order; null for a missing key. */
    @Override
    public void set(@Nullable ByteBuffer bytes) {
        int index = replies++;
        if (withEntry && index == 0) {
            if (bytes != null) {
                try {
                    entry = StorageEntry.fromBuffer(bytes);
                } catch (CorruptStorageEntryException e) {
                    corrupt = e;
                }
            }
            return;
        }
        if (index == (withEntry ? 1 : 0)) {
            String generation = entry == null ? "" : entry.generation();
            expected = generation.isEmpty() || generation.charAt(0) == 'h' ? null : generation;
            if (expected == null) {
                built = new StringBuilder(32);
            }
        } else {
            append('.');
        }
        if (bytes == null) {
            append('0');
            return;
        }
        anyCounter = true;
        for (int i = bytes.position(); i < bytes.limit(); i++) {
            append((char) (bytes.get(i) & 0xff));
        }
    }

    /** One value as the template and the cluster API hand them: a whole array. */
    void add(byte @Nullable [] bytes) {
        set(bytes == null ? null : ByteBuffer.wrap(bytes));
    }

    private void append(char c) {
        StringBuilder text = built;
        if (text == null) {
            String expect = expected;
            if (expect != null && matched < expect.length() && expect.charAt(matched) == c) {
                matched++;
                return;
            }
            text = built = new StringBuilder(matched + 32);
            if (expect != null) {
                text.append(expect, 0, matched);
            }
            expected = null;
        }
        text.append(c);
    }

    /**
     * What the reply says, once it has all been read: the entry if it is of the key's current generation, and that
     * generation. {@link #get()} returns it afterwards.
     *
     * @throws CorruptStorageEntryException if the entry is not an envelope this version reads
     */
    Lookup lookup() {
        if (corrupt != null) {
            throw corrupt;
        }
        if (output == null) {
            String generation = generation();
            StorageEntry found = entry;
            boolean current = found != null && (found.generation().equals(generation)
                    // written before generations (format 1): current until the key is first deleted
                    || (found.generation().isEmpty() && !anyCounter));
            output = new Lookup(current ? Optional.of(found) : Optional.empty(), generation);
        }
        return output;
    }

    /** The generation the counters make: never empty, equal exactly when every counter is. */
    private String generation() {
        String plain;
        if (built != null) {
            plain = built.toString();
        } else if (expected != null && matched == expected.length()) {
            plain = expected;
        } else {
            plain = expected == null ? "" : expected.substring(0, matched);
        }
        if (plain.length() <= MAX_PLAIN_GENERATION) {
            return plain;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(plain.getBytes(StandardCharsets.US_ASCII));
            return "h" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
