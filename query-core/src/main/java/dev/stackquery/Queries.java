package dev.stackquery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * PyStackQuery's helpers for screens that need several queries: run them side by side, or one after another when
 * the second needs the first's data.
 */
public final class Queries {

    private Queries() {
    }

    /**
     * Fetches every query at once ({@link QueryClient#fetchQuery} each), so the total latency is that of the
     * slowest. Completes with the values in argument order, or fails as soon as one fails, with that query's
     * {@link QueryFetchException} (the other fetches go on and still fill the cache).
     */
    public static CompletableFuture<List<Object>> parallel(QueryClient client, QueryOptions<?>... options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
        List<QueryOptions<?>> all = Arrays.asList(options);
        List<CompletableFuture<?>> fetches = new ArrayList<>(all.size());
        for (QueryOptions<?> option : all) {
            fetches.add(client.fetchQuery(Objects.requireNonNull(option, "options element")));
        }
        return collect(fetches);
    }

    /** {@link #parallel(QueryClient, QueryOptions[])} for queries of one type. */
    public static <T> CompletableFuture<List<T>> parallel(QueryClient client, List<QueryOptions<T>> options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
        List<CompletableFuture<?>> fetches = new ArrayList<>(options.size());
        for (QueryOptions<T> option : options) {
            fetches.add(client.fetchQuery(Objects.requireNonNull(option, "options element")));
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<List<T>> typed = (CompletableFuture<List<T>>) (CompletableFuture<?>) collect(fetches);
        return typed;
    }

    /**
     * Fetches {@code dependsOn}, then the query {@code then} makes from its data: e.g. the current user, then that
     * user's posts. Fails with the first failure.
     */
    public static <A, B> CompletableFuture<B> dependent(QueryClient client, QueryOptions<A> dependsOn,
            Function<? super A, QueryOptions<B>> then) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(dependsOn, "dependsOn");
        Objects.requireNonNull(then, "then");
        return client.fetchQuery(dependsOn).thenCompose(value -> client.fetchQuery(
                Objects.requireNonNull(then.apply(value), "then returned no QueryOptions")));
    }

    private static CompletableFuture<List<Object>> collect(List<CompletableFuture<?>> fetches) {
        CompletableFuture<List<Object>> all = new CompletableFuture<>();
        for (CompletableFuture<?> fetch : fetches) {
            // Fail fast: the first failure in time completes the whole, without waiting for slower queries.
            fetch.whenComplete((value, error) -> {
                if (error != null) {
                    all.completeExceptionally(Futures.unwrap(error));
                }
            });
        }
        CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).thenRun(() -> {
            List<Object> values = new ArrayList<>(fetches.size());
            for (CompletableFuture<?> fetch : fetches) {
                values.add(fetch.join());
            }
            all.complete(values);
        });
        return all;
    }
}
