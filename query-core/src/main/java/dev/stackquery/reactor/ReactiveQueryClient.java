package dev.stackquery.reactor;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryResult;
import dev.stackquery.RefetchOptions;
import dev.stackquery.Subscription;
import dev.stackquery.TypeRef;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link QueryClient} for Reactor code: every method returns a cold {@link Mono} (or {@link Flux}) that starts the
 * call when subscribed, once per subscription. Cancelling a subscription detaches that subscriber only: the fetch it
 * waited for goes on for the others and still fills the cache (each subscription waits on its own copy of the
 * client's future). Failures are those of the client, unwrapped: a fetch that failed after its retries signals the
 * {@link dev.stackquery.QueryFetchException} naming the key. Thread-safe; make one per client with {@link #of}.
 */
public final class ReactiveQueryClient {

    private final QueryClient client;

    private ReactiveQueryClient(QueryClient client) {
        this.client = client;
    }

    /** The facade of {@code client}. */
    public static ReactiveQueryClient of(QueryClient client) {
        return new ReactiveQueryClient(Objects.requireNonNull(client, "client"));
    }

    /** The client behind it. */
    public QueryClient client() {
        return client;
    }

    /** {@link QueryClient#fetchQuery}: fresh data, or stale data plus one background refetch, or the fetch's data. */
    public <T> Mono<T> fetchQuery(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        return mono(() -> client.fetchQuery(options));
    }

    /** {@link QueryClient#fetchFreshQuery}: never stale data. */
    public <T> Mono<T> fetchFreshQuery(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        return mono(() -> client.fetchFreshQuery(options));
    }

    /** {@link QueryClient#ensureQueryData}: cached data of any age, or the fetch's. */
    public <T> Mono<T> ensureQueryData(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        return mono(() -> client.ensureQueryData(options));
    }

    /** {@link QueryClient#prefetchQuery}: completes when the cache is warm; never fails. */
    public Mono<Void> prefetchQuery(QueryOptions<?> options) {
        Objects.requireNonNull(options, "options");
        return mono(() -> client.prefetchQuery(options));
    }

    /** {@link QueryClient#getQueryDataAsync}: the data in L1, else in L2; empty when neither has it. */
    public <T> Mono<T> getQueryData(QueryKey key, TypeRef<T> type) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        return Mono.defer(() -> Mono.fromFuture(client.getQueryDataAsync(key, type)).flatMap(Mono::justOrEmpty));
    }

    /** {@link QueryClient#invalidateQueries(QueryFilter)}; completes when done, never fails. */
    public Mono<Void> invalidateQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return mono(() -> client.invalidateQueries(filter));
    }

    /** {@link QueryClient#invalidateQueries(QueryFilter, RefetchOptions)}. */
    public Mono<Void> invalidateQueries(QueryFilter filter, RefetchOptions refetch) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(refetch, "refetch");
        return mono(() -> client.invalidateQueries(filter, refetch));
    }

    /** {@link QueryClient#refetchQueries(QueryFilter)}. */
    public Mono<Void> refetchQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return mono(() -> client.refetchQueries(filter));
    }

    /** {@link QueryClient#removeQueries}. */
    public Mono<Void> removeQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return mono(() -> client.removeQueries(filter));
    }

    /** {@link QueryClient#resetQueries}. */
    public Mono<Void> resetQueries(QueryFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return mono(() -> client.resetQueries(filter));
    }

    /**
     * The results of a {@link QueryClient#watch observer} of {@code options}: the current one at once, then one per
     * change, while subscribed; cancelling unsubscribes (the last one out starts the query's gcTime). Results are
     * buffered for a slow subscriber.
     */
    public <T> Flux<QueryResult<T>> watch(QueryOptions<T> options) {
        Objects.requireNonNull(options, "options");
        return Flux.create(sink -> {
            Subscription subscription = client.watch(options).subscribe(sink::next);
            sink.onDispose(subscription::unsubscribe);
        });
    }

    /** A Mono of the future {@code call} makes per subscription; cancelling cancels that future (that caller) only. */
    private static <T> Mono<T> mono(Supplier<CompletableFuture<T>> call) {
        return Mono.fromFuture(call, false).onErrorMap(QueryFetchException::unwrap);
    }
}
