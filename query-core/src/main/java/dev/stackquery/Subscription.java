package dev.stackquery;

/** A registration that can be undone. Undoing it twice is harmless. */
public interface Subscription extends AutoCloseable {

    /** Removes the registration. */
    void unsubscribe();

    /** Same as {@link #unsubscribe()}, for try-with-resources. */
    @Override
    default void close() {
        unsubscribe();
    }
}
