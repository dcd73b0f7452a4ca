package dev.stackquery.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.stackquery.QueryKey;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Where the backend keeps what: a query's entry under {@code <prefix><canonical key>}, its own generation counter
 * under {@code <prefix>gen:key:<canonical key>} and the counter of each prefix under
 * {@code <prefix>gen:prefix:<canonical prefix>}. One read names the entry (or not), the key's counter, then its
 * prefixes' counters from {@code []} to the key itself.
 *
 * <p>{@link #writeMget} writes that read as one RESP {@code MGET} straight into Lettuce's buffer, with no string or
 * array per key: the canonical form of a prefix is the key's own canonical form (a JSON array) cut after the
 * prefix's last part and closed, so each key is a slice of one string.
 */
final class KeyLayout {

    private static final byte[] MGET = "\r\n$4\r\nMGET\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String prefix;
    private final byte[] entryPrefix;
    private final byte[] keyCounterPrefix;
    private final byte[] prefixCounterPrefix;

    KeyLayout(String prefix) {
        this.prefix = prefix;
        this.entryPrefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.keyCounterPrefix = (prefix + "gen:key:").getBytes(StandardCharsets.UTF_8);
        this.prefixCounterPrefix = (prefix + "gen:prefix:").getBytes(StandardCharsets.UTF_8);
    }

    String prefix() {
        return prefix;
    }

    String entry(QueryKey key) {
        return prefix + key.canonical();
    }

    String keyCounter(QueryKey key) {
        return prefix + "gen:key:" + key.canonical();
    }

    String prefixCounter(QueryKey prefixKey) {
        return prefix + "gen:prefix:" + prefixKey.canonical();
    }

    /** How many keys a read of {@code key} names. */
    static int readKeyCount(QueryKey key, boolean withEntry) {
        return key.size() + (withEntry ? 3 : 2);
    }

    /** The keys a read of {@code key} names, in their order, as strings. */
    List<String> readKeys(QueryKey key, boolean withEntry) {
        List<String> keys = new ArrayList<>(readKeyCount(key, withEntry));
        if (withEntry) {
            keys.add(entry(key));
        }
        keys.add(keyCounter(key));
        for (int i = 0; i <= key.size(); i++) {
            keys.add(prefixCounter(key.head(i)));
        }
        return keys;
    }

    /** Writes {@code MGET} of the keys a read of {@code key} names, in RESP, without allocating. */
    void writeMget(ByteBuf out, QueryKey key, boolean withEntry) {
        String canonical = key.canonical();
        boolean ascii = isAscii(canonical);
        out.writeByte('*');
        writeDecimal(out, readKeyCount(key, withEntry) + 1);
        out.writeBytes(MGET);
        int whole = canonical.length();
        if (withEntry) {
            writeKey(out, entryPrefix, canonical, whole, ascii, false);
        }
        writeKey(out, keyCounterPrefix, canonical, whole, ascii, false);
        int cut = 1; // the empty prefix: "[", then a closing bracket
        for (int i = 0; i < key.size(); i++) {
            writeKey(out, prefixCounterPrefix, canonical, cut, ascii, true);
            cut = partEnd(canonical, i == 0 ? 1 : cut + 1);
        }
        writeKey(out, prefixCounterPrefix, canonical, whole, ascii, false);
    }

    /**
     * The index of the comma or closing bracket that ends the top-level part starting at {@code from} in a canonical
     * key; commas and brackets inside strings, lists and maps do not count.
     */
    static int partEnd(String canonical, int from) {
        int depth = 0;
        for (int i = from; i < canonical.length(); i++) {
            char c = canonical.charAt(i);
            switch (c) {
                case '"' -> i = stringEnd(canonical, i);
                case '[', '{' -> depth++;
                case ']', '}' -> {
                    if (depth == 0) {
                        return i;
                    }
                    depth--;
                }
                case ',' -> {
                    if (depth == 0) {
                        return i;
                    }
                }
                default -> {
                    // part of a number, a literal or a map key's colon
                }
            }
        }
        throw new IllegalArgumentException("not a canonical key: " + canonical);
    }

    /** The index of the quote that closes the string opening at {@code open}. */
    private static int stringEnd(String canonical, int open) {
        for (int i = open + 1; i < canonical.length(); i++) {
            char c = canonical.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        throw new IllegalArgumentException("not a canonical key: " + canonical);
    }

    /** Writes one bulk string: {@code head}, then the first {@code length} chars of the key, then maybe ']'. */
    private static void writeKey(ByteBuf out, byte[] head, String canonical, int length, boolean ascii,
            boolean close) {
        int bytes = head.length + (ascii ? length : ByteBufUtil.utf8Bytes(canonical, 0, length)) + (close ? 1 : 0);
        out.writeByte('$');
        writeDecimal(out, bytes);
        out.writeByte('\r').writeByte('\n');
        out.writeBytes(head);
        ByteBufUtil.writeUtf8(out, canonical, 0, length);
        if (close) {
            out.writeByte(']');
        }
        out.writeByte('\r').writeByte('\n');
    }

    private static void writeDecimal(ByteBuf out, int value) {
        int divisor = 1;
        while (value / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte('0' + value / divisor % 10);
        }
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
