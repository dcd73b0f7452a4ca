package dev.stackquery;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The name of a query: an immutable list of parts, compared by value.
 *
 * <p>Parts are normalized when the key is made, so that two keys are equal exactly when their
 * {@linkplain #canonical() canonical forms} are equal:
 * <ul>
 *   <li>{@code String} and {@code Boolean} stay as they are;</li>
 *   <li>integral numbers ({@code Byte}, {@code Short}, {@code Integer}, {@code Long}, {@code BigInteger}) become
 *       {@code Long} (or {@code BigInteger} beyond its range), so {@code 1} equals {@code 1L};</li>
 *   <li>decimal numbers ({@code Float}, {@code Double}, {@code BigDecimal}) become a {@code BigDecimal} without
 *       trailing zeros; a decimal never equals an integral number ({@code 1.0} is not {@code 1}); NaN and infinities
 *       are rejected;</li>
 *   <li>{@code Enum} becomes its {@code name()} and {@code UUID} its {@code toString()}: both are strings in the
 *       canonical form, as they would be in JSON;</li>
 *   <li>{@code List} parts are normalized element by element; {@code Map} parts must have {@code String} (or enum)
 *       keys and compare regardless of entry order.</li>
 * </ul>
 * Anything else, and {@code null}, is rejected with an exception that names the part.
 *
 * <p>Keys are safe to share between threads; {@link #hashCode()} is computed once.
 */
public final class QueryKey {

    /** In {@link #second}: the key has one part. */
    private static final Object ONE = new Object();

    private static final QueryKey EMPTY = new QueryKey(null, null);

    /** Deepest nesting of lists and maps a key may have; deeper input is rejected rather than overflowing. */
    static final int MAX_DEPTH = 32;

    // Keys of one or two parts, most keys, hold them in fields rather than in an array: 16 bytes less each, and
    // reading a key's first part (a meter's key tag, on every hit) costs no extra memory load. A part is never an
    // Object[] (parts are normalized), so the array in "second" cannot be mistaken for a part.
    /** The first part; null only in the empty key. */
    private final @Nullable Object first;
    /**
     * {@link #ONE} in a key of one part, the second part in a key of two, the parts after the first (an
     * {@code Object[]}) in a longer key; null in the empty key.
     */
    private final @Nullable Object second;
    private final int hash;
    private volatile @Nullable String canonical;

    private QueryKey(@Nullable Object first, @Nullable Object second) {
        this.first = first;
        this.second = second;
        int h = 1;
        for (int i = 0, n = size(); i < n; i++) {
            h = 31 * h + part(i).hashCode(); // as Arrays.hashCode of the parts
        }
        this.hash = h;
    }

    /** The key of normalized {@code parts}, which it may keep. */
    private static QueryKey ofNormalized(Object[] parts) {
        return switch (parts.length) {
            case 0 -> EMPTY;
            case 1 -> new QueryKey(parts[0], ONE);
            case 2 -> new QueryKey(parts[0], parts[1]);
            default -> new QueryKey(parts[0], Arrays.copyOfRange(parts, 1, parts.length));
        };
    }

    /**
     * Makes a key of the given parts.
     *
     * @throws NullPointerException if {@code parts} or one of them is null
     * @throws IllegalArgumentException if a part has an unsupported type (the message names its index and class)
     */
    public static QueryKey of(Object... parts) {
        Objects.requireNonNull(parts, "parts");
        if (parts.length == 0) {
            return EMPTY;
        }
        if (parts.length <= 2) {
            return parts.length == 1 ? of(parts[0]) : of(parts[0], parts[1]);
        }
        Object[] rest = new Object[parts.length - 1];
        Object head = part(parts[0], 0);
        for (int i = 1; i < parts.length; i++) {
            rest[i - 1] = part(parts[i], i);
        }
        return new QueryKey(head, rest);
    }

    /** {@link #of(Object...)} of one part, without the varargs array (a list stays one part, as there). */
    public static QueryKey of(Object part) {
        return new QueryKey(part(part, 0), ONE);
    }

    /** {@link #of(Object...)} of two parts, without the varargs array: keys made per call allocate less. */
    public static QueryKey of(Object first, Object second) {
        return new QueryKey(part(first, 0), part(second, 1));
    }

    /** {@link #of(Object...)} of three parts, without the varargs array: keys made per call allocate less. */
    public static QueryKey of(Object first, Object second, Object third) {
        return new QueryKey(part(first, 0), new Object[] {part(second, 1), part(third, 2)});
    }

    private static Object part(@Nullable Object part, int index) {
        Object plain = plain(part);
        return plain != null ? plain : normalize(part, "part " + index, 1);
    }

    /**
     * Makes a key whose parts are the elements of {@code parts}; see {@link #of(Object...)}. (By contrast,
     * {@code of(list)} makes a key of one part, the list.)
     */
    public static QueryKey ofParts(List<?> parts) {
        Objects.requireNonNull(parts, "parts");
        return of(parts.toArray());
    }

    /**
     * Reads a key back from its {@linkplain #canonical() canonical form}, so that
     * {@code QueryKey.parse(k.canonical()).equals(k)} for every key.
     *
     * @throws IllegalArgumentException if the text is not a canonical key; the message says where it fails
     */
    public static QueryKey parse(String canonical) {
        Objects.requireNonNull(canonical, "canonical");
        Object value = new CanonicalKeyParser(canonical).parseTopLevel();
        return ofParts((List<?>) value);
    }

    /** Number of parts. */
    public int size() {
        Object s = second;
        return s == null ? 0 : s == ONE ? 1 : s instanceof Object[] rest ? rest.length + 1 : 2;
    }

    /** Whether the key has no parts: the key that {@linkplain #startsWith prefixes} every key. */
    public boolean isEmpty() {
        return second == null;
    }

    /**
     * The normalized part at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is negative or not less than {@link #size()}
     */
    public Object part(int index) {
        Object s = second;
        if (index == 0 && s != null) {
            return Objects.requireNonNull(first);
        }
        if (s instanceof Object[] rest) {
            if (index >= 1 && index <= rest.length) {
                return rest[index - 1];
            }
        } else if (index == 1 && s != null && s != ONE) {
            return s;
        }
        throw new IndexOutOfBoundsException("part " + index + " of a key of " + size() + " parts");
    }

    /** The normalized parts, unmodifiable. */
    public List<Object> parts() {
        return Collections.unmodifiableList(Arrays.asList(toArray()));
    }

    private Object[] toArray() {
        Object[] all = new Object[size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = part(i);
        }
        return all;
    }

    /**
     * Whether {@code prefix} names the first parts of this key, whole part by whole part: {@code ["user"]} prefixes
     * {@code ["user", 1]} and {@code ["user"]} itself, never {@code ["users"]}. The empty key prefixes every key.
     */
    public boolean startsWith(QueryKey prefix) {
        Objects.requireNonNull(prefix, "prefix");
        int n = prefix.size();
        if (n > size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!part(i).equals(prefix.part(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code pattern} selects this key by partial matching, as TanStack Query's {@code partialMatchKey} does:
     * part by part from the first, a map part of the pattern matches a map part that has at least its entries (each
     * matched the same way), a list part matches a list that starts with its elements, and any other part must be
     * equal. So {@code ["todos", {status: "done"}]} selects {@code ["todos", {status: "done", page: 1}]}; a pattern
     * of plain parts selects as {@link #startsWith} does.
     */
    public boolean matchesPartially(QueryKey pattern) {
        Objects.requireNonNull(pattern, "pattern");
        int n = pattern.size();
        if (n > size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!partialMatch(part(i), pattern.part(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean partialMatch(Object value, Object pattern) {
        if (pattern instanceof Map<?, ?> wanted) {
            if (!(value instanceof Map<?, ?> present)) {
                return false;
            }
            for (Map.Entry<?, ?> entry : wanted.entrySet()) {
                Object found = present.get(entry.getKey());
                if (found == null || !partialMatch(found, entry.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (pattern instanceof List<?> wanted) {
            if (!(value instanceof List<?> present) || wanted.size() > present.size()) {
                return false;
            }
            for (int i = 0; i < wanted.size(); i++) {
                if (!partialMatch(present.get(i), wanted.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return value.equals(pattern);
    }

    /** The leading parts that are neither maps nor lists: every key a partial pattern selects starts with them. */
    QueryKey plainHead() {
        int count = 0;
        int n = size();
        while (count < n && !(part(count) instanceof Map) && !(part(count) instanceof List)) {
            count++;
        }
        return head(count);
    }

    /** A key of the first {@code count} parts (all of them when {@code count >= size()}). */
    public QueryKey head(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        if (count >= size()) {
            return this;
        }
        return ofNormalized(Arrays.copyOf(toArray(), count));
    }

    /**
     * The stable text form of this key: a compact JSON array ({@code ["user",42]}), map entries sorted by key,
     * decimals always with a fraction or exponent. It is the same on every JVM and is what L2 backends store under
     * and logs print.
     */
    public String canonical() {
        String c = canonical;
        if (c == null) {
            StringBuilder sb = new StringBuilder(16 * size() + 2);
            writeCanonical(Arrays.asList(toArray()), sb);
            c = sb.toString();
            canonical = c;
        }
        return c;
    }

    /**
     * The text that the canonical form of every key strictly below this one starts with: {@code ["user",} for
     * {@code ["user"]} and {@code [} for the empty key. Together with {@link #canonical()} it lets a storage
     * backend delete by prefix with a plain string match that still respects whole parts.
     */
    public String canonicalChildPrefix() {
        if (second == null) {
            return "[";
        }
        String c = canonical();
        return c.substring(0, c.length() - 1) + ",";
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other == this
                || (other instanceof QueryKey that && hash == that.hash && Objects.equals(first, that.first)
                        && (second instanceof Object[] rest ? that.second instanceof Object[] thatRest
                                && Arrays.equals(rest, thatRest) : Objects.equals(second, that.second)));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return canonical();
    }

    /**
     * The normalized form of the parts most keys are made of (texts, whole numbers, booleans), or null for any other
     * part: the common case costs no allocation, not even the text naming the part for an error it will not have.
     */
    private static @Nullable Object plain(@Nullable Object part) {
        if (part instanceof String || part instanceof Long || part instanceof Boolean) {
            return part;
        }
        if (part instanceof Integer || part instanceof Short || part instanceof Byte) {
            return ((Number) part).longValue();
        }
        return null;
    }

    private static Object normalize(@Nullable Object part, String where, int depth) {
        if (part == null) {
            throw new NullPointerException("query key " + where + " is null");
        }
        Object plain = plain(part);
        if (plain != null) {
            return plain;
        }
        if (part instanceof BigInteger big) {
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        if (part instanceof Double || part instanceof Float) {
            double d = ((Number) part).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("query key " + where + " is " + d + ": not a usable number");
            }
            // Float.toString gives the shortest decimal that reads back to the float (0.1f -> "0.1").
            return decimal(new BigDecimal(part instanceof Float f ? Float.toString(f) : Double.toString(d)), where);
        }
        if (part instanceof BigDecimal dec) {
            return decimal(dec, where);
        }
        if (part instanceof Enum<?> e) {
            return e.name();
        }
        if (part instanceof UUID uuid) {
            return uuid.toString();
        }
        if ((part instanceof List<?> || part instanceof Map<?, ?>) && depth > MAX_DEPTH) {
            throw new IllegalArgumentException("query key " + where + " nests lists and maps deeper than "
                    + MAX_DEPTH + " levels");
        }
        if (part instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            int i = 0;
            for (Object element : list) {
                Object simple = plain(element);
                copy.add(simple != null ? simple : normalize(element, where + "[" + i + "]", depth + 1));
                i++;
            }
            return Collections.unmodifiableList(copy);
        }
        if (part instanceof Map<?, ?> map) {
            TreeMap<String, Object> copy = new TreeMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Object k = entry.getKey();
                String name;
                if (k instanceof String s) {
                    name = s;
                } else if (k instanceof Enum<?> e) {
                    name = e.name();
                } else {
                    throw new IllegalArgumentException("query key " + where + " is a map with a key of type "
                            + (k == null ? "null" : k.getClass().getName()) + ": map keys must be String or enum");
                }
                Object simple = plain(entry.getValue());
                Object value = simple != null ? simple : normalize(entry.getValue(), where + "." + name, depth + 1);
                if (copy.put(name, value) != null) {
                    throw new IllegalArgumentException("query key " + where + " is a map with two keys named '"
                            + name + "' (an enum and a String?)");
                }
            }
            return Collections.unmodifiableSortedMap(copy);
        }
        throw new IllegalArgumentException("query key " + where + " has unsupported type " + part.getClass().getName()
                + " (" + part + "): use String, Number, Boolean, Enum, UUID, List or Map");
    }

    private static BigDecimal decimal(BigDecimal value, String where) {
        BigDecimal stripped;
        try {
            stripped = value.stripTrailingZeros();
        } catch (ArithmeticException e) {
            // 1000e2147483647: without its zeros the exponent leaves the int range BigDecimal keeps it in.
            throw new IllegalArgumentException("query key " + where + " is a decimal whose exponent is out of range ("
                    + value + ")", e);
        }
        // One representation per value: 1.50 and 1.5 are the same key part.
        return stripped.signum() == 0 ? BigDecimal.ZERO : stripped;
    }

    private static void writeCanonical(Object value, StringBuilder sb) {
        if (value instanceof String s) {
            writeString(s, sb);
        } else if (value instanceof BigDecimal dec) {
            String text = dec.toString();
            sb.append(text);
            if (text.indexOf('.') < 0 && text.indexOf('E') < 0) {
                sb.append(".0");
            }
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                writeCanonical(list.get(i), sb);
            }
            sb.append(']');
        } else if (value instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeString((String) entry.getKey(), sb);
                sb.append(':');
                writeCanonical(entry.getValue(), sb);
            }
            sb.append('}');
        } else {
            sb.append(value); // Long, BigInteger, Boolean
        }
    }

    private static boolean isLoneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || isLoneSurrogate(s, i)) {
                        // A lone surrogate has no UTF-8 form: escaped, it stays distinct in every L2.
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
