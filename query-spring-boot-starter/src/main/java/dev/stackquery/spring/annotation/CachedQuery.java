package dev.stackquery.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Routes calls of a bean method through {@code QueryClient.fetchQuery}: the method becomes the query's function,
 * its result is cached under a key built from its arguments, served while fresh, served stale while one background
 * call refreshes it, and concurrent callers of one key share one call. Like {@code @Cacheable}, with
 * stale-while-revalidate, single flight, retries and the two-level cache underneath.
 *
 * <p>Return types: {@code T} (the caller waits only when there is no usable data; a {@code null} result is an
 * error), {@code Optional<T>} (an empty result is cached as absent), {@code CompletableFuture<T>} or
 * {@code CompletionStage<T>} (never blocks), Reactor's {@code Mono<T>} (an empty Mono is an error) or {@code Flux<T>}
 * (cached as the list of its elements); a Mono or Flux returned is cold: the cache is asked when it is subscribed, and
 * cancelling a subscription detaches that caller only. The L2 type is the method's generic return type, so
 * {@code List<Product>} round-trips through Redis and SQLite. A failure reaches the caller as the method's own
 * exception after the retries.
 *
 * <p>Works on public methods of beans, through interface or class proxies; as with Spring's own annotations, a call
 * from the bean to itself ({@code this.method()}) bypasses the proxy and is not cached.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedQuery {

    /**
     * The key: SpEL expressions over the parameters, separated by commas, one per key part — {@code "'user', #id"}
     * is {@code ["user", <id>]}. Parameters are {@code #name} (compiled with {@code -parameters}, as Boot builds do),
     * {@code #p0} or {@code #a0}. Several array elements add their parts in order. Empty: the key is
     * {@code ["<bean name>.<method name>", args...]}.
     */
    String[] key() default {};

    /** How long the result is fresh, as a Boot duration ({@code "30s"}, {@code "PT5M"}), placeholders allowed ({@code "${catalog.stale:30s}"}); empty: the client's default. */
    String staleTime() default "";

    /** How long an unused result stays in L1, like {@link #staleTime()}; empty: the client's default. */
    String gcTime() default "";

    /** Retries after a failed call, a number or a placeholder; empty: the client's default. */
    String retry() default "";

    /**
     * Keeps a called key fresh: its query is refetched at this period (a Boot duration, placeholders allowed) until
     * the key has not been called for its {@link #gcTime()} (5 min when unset, at least two periods); empty: no
     * polling, refreshes happen only when a call finds the data stale.
     */
    String refetchInterval() default "";
}
