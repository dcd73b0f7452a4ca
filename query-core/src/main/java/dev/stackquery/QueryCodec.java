package dev.stackquery;

/**
 * Turns query data into bytes for L2 and back. Implementations must be thread-safe and must read a value only as
 * the declared type: a payload must never choose the class it becomes.
 */
public interface QueryCodec {

    /**
     * Encodes {@code value} as {@code type}.
     *
     * @throws RuntimeException if the value cannot be encoded; the client then keeps it in L1 only
     */
    byte[] encode(Object value, TypeRef<?> type);

    /**
     * Decodes bytes written by {@link #encode}.
     *
     * @throws RuntimeException if the bytes are not a {@code type}; the client treats the entry as a miss
     */
    <T> T decode(byte[] bytes, TypeRef<T> type);
}
