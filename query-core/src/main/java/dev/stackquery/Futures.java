package dev.stackquery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** What the engine does with futures in several places. */
final class Futures {

    private Futures() {
    }

    /** Completes {@code to} as {@code from} completes: with its value, or with its failure as it is. */
    static <T> void relay(CompletionStage<? extends T> from, CompletableFuture<T> to) {
        from.whenComplete((value, error) -> {
            if (error != null) {
                to.completeExceptionally(error);
            } else {
                to.complete(value);
            }
        });
    }

    /** {@code error} out of the wrappers a future adds ({@link CompletionException}, {@link ExecutionException}). */
    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
