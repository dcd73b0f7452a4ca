package dev.stackquery;

/**
 * An L2 entry that is not a StackQuery envelope of a known version. Backends report it (by throwing it or by failing
 * the future of {@code get} with it) so that the client treats the entry as a miss and deletes it, rather than
 * counting the backend as down.
 */
public class CorruptStorageEntryException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Makes the exception with a message saying what is wrong. */
    public CorruptStorageEntryException(String message) {
        super(message);
    }

    /** Makes the exception with a message and the parsing error behind it. */
    public CorruptStorageEntryException(String message, Throwable cause) {
        super(message, cause);
    }
}
