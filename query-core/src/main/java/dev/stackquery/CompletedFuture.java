package dev.stackquery;

import java.util.concurrent.CompletableFuture;

/**
 * An already-completed future that no caller can change, so that every fresh hit on one state can share it: the
 * hit path then allocates nothing. {@code complete}, {@code completeExceptionally} and {@code cancel} are already
 * no-ops on a completed future; the two {@code obtrude} methods, which would change it for everyone, throw.
 */
final class CompletedFuture<T> extends CompletableFuture<T> {

    CompletedFuture(T value) {
        super.complete(value);
    }

    @Override
    public void obtrudeValue(T value) {
        throw new UnsupportedOperationException("a cached query result is shared and cannot be obtruded");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("a cached query result is shared and cannot be obtruded");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
