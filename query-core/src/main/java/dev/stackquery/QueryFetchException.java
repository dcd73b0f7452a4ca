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

    /**
     * The failure a fetch's future completed with, out of the wrappers the future adds ({@code CompletionException},
     * {@code ExecutionException}): for a fetch that failed after its retries, the {@code QueryFetchException}.
     */
    public static Throwable unwrap(Throwable error) {
        return Futures.unwrap(error);
    }

    /**
     * The query function's own failure, as the caller of a cached method expects to see it: out of the future's
     * wrappers and out of the {@code QueryFetchException}, however they nest.
     */
    public static Throwable sourceFailure(Throwable error) {
        Throwable e = error;
        while ((e instanceof java.util.concurrent.CompletionException
                || e instanceof java.util.concurrent.ExecutionException || e instanceof QueryFetchException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
