package dev.stackquery;

/**
 * Blocking code that performs a write. Runs on the client's executor.
 *
 * @param <V> type of the variables (the input of the write)
 * @param <R> type of the result
 */
@FunctionalInterface
public interface MutationFunction<V, R> {

    /**
     * Performs the write.
     *
     * @return the result; may be null (a mutation may return nothing)
     * @throws Exception any failure; retried as the options' {@code retry} says (default never)
     */
    R mutate(V variables) throws Exception;
}
