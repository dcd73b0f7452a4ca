package dev.stackquery.spring.annotation;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.stackquery.QueryFetchException;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code @CachedQuery} methods returning Reactor types; loaded only when such a method is called, so applications
 * without Reactor never need it. A {@code Mono<T>} is cached as its value, a {@code Flux<T>} as the list of its
 * elements; what the caller gets is cold: the cache is asked when it subscribes, and cancelling detaches that caller
 * only.
 */
final class ReactiveMethods {

    private ReactiveMethods() {
    }

    /** The data a call of the method produced: subscribes to its publisher (the query's attempt). */
    static CompletableFuture<Object> data(Object publisher, String method) {
        if (publisher instanceof Flux<?> flux) {
            return flux.collectList().<Object>map(list -> list).toFuture();
        }
        return ((Mono<?>) publisher).<Object>map(value -> value)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(method + " returned an empty Mono; return"
                        + " Mono<Optional<T>> to cache absence")))
                .toFuture();
    }

    /** What the caller gets: a cold Mono (or Flux) of the query's data, one fetch per subscription. */
    static Object publisher(QueryMethod.Kind kind, Supplier<CompletableFuture<Object>> fetch) {
        Mono<Object> mono = Mono.fromFuture(fetch, false).onErrorMap(QueryFetchException::sourceFailure);
        return kind == QueryMethod.Kind.FLUX ? mono.flatMapMany(list -> Flux.fromIterable((List<?>) list)) : mono;
    }
}
