package dev.stackquery;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@link CachedQuery} over any {@link QueryClient}: every call is the client's own. */
record BoundCachedQuery<T>(QueryClient client, QueryOptions<T> options) implements CachedQuery<T> {

    BoundCachedQuery {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
    }

    @Override
    public CompletableFuture<T> get() {
        return client.fetchQuery(options);
    }

    @Override
    public CompletableFuture<Void> invalidate() {
        return client.invalidateQueries(QueryFilter.exact(options.key()));
    }

    @Override
    public Optional<T> getData() {
        return client.getQueryData(options.key());
    }

    @Override
    public String toString() {
        return "CachedQuery" + options.key();
    }
}
