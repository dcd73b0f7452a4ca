package dev.stackquery;

import java.util.Objects;

/**
 * The failure of a fetch after its last retry. {@link #getCause()} is the last error of the query function;
 * the message names the key and the number of attempts.
 */
public class QueryFetchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient QueryKey key;
    private final int attempts;

    /** Makes the exception for {@code key} after {@code attempts} attempts that ended with {@code cause}. */
    public QueryFetchException(QueryKey key, int attempts, Throwable cause) {
        super("query " + Objects.requireNonNull(key, "key").canonical() + " failed after " + attempts
                + (attempts == 1 ? " attempt: " : " attempts: ") + cause, cause);
        this.key = key;
        this.attempts = attempts;
    }

    /** Key of the query that failed. */
    public QueryKey key() {
        return key;
    }

    /** Number of attempts made, retries included. */
    public int attempts() {
        return attempts;
    }
}
