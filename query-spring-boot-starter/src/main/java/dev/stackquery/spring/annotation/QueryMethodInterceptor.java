package dev.stackquery.spring.annotation;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryObserver;
import dev.stackquery.QueryOptions;
import dev.stackquery.Subscription;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.BridgeMethodResolver;

/**
 * Runs the annotated methods of one bean: {@code @CachedQuery} calls go through {@code fetchQuery} with the method
 * as the query's function; {@code @InvalidatesQueries} invalidates after a normal return.
 *
 * <p>The function may run later and on another thread (a background refetch, a retry), so each call hands the
 * query a clone of its own invocation, as Spring's {@code @Async} does.
 */
final class QueryMethodInterceptor implements MethodInterceptor {

    private static final Log LOG = LogFactory.getLog(QueryMethodInterceptor.class);

    private final Supplier<QueryClient> client;
    private final Class<?> targetClass;
    private final Map<Method, QueryMethod> methods;
    /** Methods as proxies see them (an interface's, a bridge) mapped to the target class's; absent: not ours. */
    private final ConcurrentMap<Method, Optional<QueryMethod>> resolved = new ConcurrentHashMap<>();
    /** Keys of {@code refetchInterval} methods kept polled while they are called. */
    private final ConcurrentMap<QueryKey, Polling> polled = new ConcurrentHashMap<>();

    /** One polled key: an observer of its query, dropped once the key has not been called for a while. */
    private static final class Polling {
        volatile long lastCall = System.nanoTime();
        @Nullable Subscription subscription; // guarded by this
    }

    QueryMethodInterceptor(Supplier<QueryClient> client, Class<?> targetClass, Map<Method, QueryMethod> methods) {
        this.client = client;
        this.targetClass = targetClass;
        this.methods = Map.copyOf(methods);
    }

    /** The annotated target method that {@code method} (as a proxy sees it) calls, or null. */
    @Nullable QueryMethod describe(Method method) {
        Optional<QueryMethod> known = resolved.get(method); // computeIfAbsent would make its lambda on every call
        if (known == null) {
            known = resolved.computeIfAbsent(method, this::resolve);
        }
        return known.orElse(null);
    }

    private Optional<QueryMethod> resolve(Method method) {
        QueryMethod direct = methods.get(method);
        if (direct != null) {
            return Optional.of(direct);
        }
        Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
        return Optional.ofNullable(methods.get(specific));
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        QueryMethod described = describe(invocation.getMethod());
        if (described == null) {
            return invocation.proceed();
        }
        Object result = described.isCached() ? fetch(described, invocation) : invocation.proceed();
        if (described.invalidations.isEmpty()) {
            return result;
        }
        if (result instanceof CompletionStage<?> stage) {
            // The caller gets a stage that completes after the invalidation, so that what it chains on it (a read
            // of the invalidated data, say) sees the invalidation. A failed invalidation is logged, not passed on:
            // the method itself succeeded.
            return stage.thenApply(value -> {
                try {
                    invalidate(described, invocation, value);
                } catch (RuntimeException failure) {
                    LOG.warn("@InvalidatesQueries after " + described.name + " failed", failure);
                }
                return value;
            });
        }
        invalidate(described, invocation, result);
        return result;
    }

    private @Nullable Object fetch(QueryMethod described, MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        QueryKey key = described.key(target == null ? described : target, invocation.getArguments());
        // Attempts (retries, background refetches) run later and on other threads: each proceeds from its own clone
        // of this invocation, as one invocation object can only be proceeded once down the interceptor chain. The
        // invocation itself is never proceeded, so it stays the pristine template to clone from (and a hit, which
        // calls nothing, clones nothing).
        MethodInvocation template = invocation;
        QueryClient queries = client.get();
        if (described.refetchInterval == null && described.kind != QueryMethod.Kind.MONO
                && described.kind != QueryMethod.Kind.FLUX) {
            // A fresh hit needs no options: served as fetchQuery would, without building them. (Polled methods must
            // record the call, and a Mono or Flux asks the cache when subscribed, not now.)
            Object fresh = queries.getFreshQueryData(key, described.staleTime);
            if (fresh != null) {
                if (described.kind != QueryMethod.Kind.FUTURE && described.kind != QueryMethod.Kind.STAGE) {
                    return described.checkType(key, fresh);
                }
                try {
                    return CompletableFuture.completedFuture(described.checkType(key, fresh));
                } catch (IllegalStateException mismatch) {
                    return CompletableFuture.failedFuture(mismatch); // a future's caller hears of it through it
                }
            }
        }
        switch (described.kind) {
            case FUTURE, STAGE -> {
                @SuppressWarnings("unchecked")
                QueryOptions<Object> options = asyncOptions(described, key, template, "future",
                        started -> (CompletionStage<Object>) started);
                CompletableFuture<Object> result = new CompletableFuture<>();
                keepPolled(described, queries, options);
                queries.fetchQuery(options).whenComplete((value, error) -> {
                    if (error != null) {
                        result.completeExceptionally(QueryFetchException.sourceFailure(error));
                        return;
                    }
                    try {
                        result.complete(described.checkType(key, value));
                    } catch (IllegalStateException mismatch) {
                        result.completeExceptionally(mismatch);
                    }
                });
                return result;
            }
            case MONO, FLUX -> {
                QueryOptions<Object> options = asyncOptions(described, key, template, "publisher",
                        started -> ReactiveMethods.data(started, described.name));
                keepPolled(described, queries, options);
                return ReactiveMethods.publisher(described.kind,
                        () -> queries.fetchQuery(options).thenApply(value -> described.checkType(key, value)));
            }
            default -> {
                // T or Optional<T>: the caller blocks only when there is no usable data.
                QueryOptions<Object> options = described.configure(QueryOptions.builder(key, context -> {
                    Object value = proceed(template);
                    if (value != null) {
                        return value;
                    }
                    if (described.kind == QueryMethod.Kind.OPTIONAL) {
                        return Optional.empty();
                    }
                    throw new IllegalStateException(described.name + " returned null; return Optional<T> to cache"
                            + " absence");
                })).build();
                keepPolled(described, queries, options);
                return described.checkType(key, await(queries.fetchQuery(options)));
            }
        }
    }

    /** Options whose function calls the method and turns what it returned (a future, a publisher) into a stage. */
    private static QueryOptions<Object> asyncOptions(QueryMethod described, QueryKey key, MethodInvocation template,
            String returned, Function<Object, CompletionStage<Object>> toStage) {
        return described.configure(QueryOptions.async(key, context -> {
            Object started;
            try {
                started = proceed(template);
            } catch (Exception thrown) {
                return CompletableFuture.failedFuture(thrown); // thrown before returning a future or publisher
            }
            if (started == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(described.name + " returned a null "
                        + returned));
            }
            return toStage.apply(started);
        })).build();
    }

    /**
     * With {@code refetchInterval}, the key's query is observed so that the client refetches it at that interval;
     * the observer goes once the key has not been called for {@link QueryMethod#pollingIdle()} (checked at each
     * refetch), so a key nobody asks for any more stops costing upstream calls.
     */
    private void keepPolled(QueryMethod described, QueryClient queries, QueryOptions<Object> options) {
        if (described.refetchInterval == null) {
            return;
        }
        QueryKey key = options.key();
        Polling polling = polled.computeIfAbsent(key, k -> new Polling());
        polling.lastCall = System.nanoTime();
        synchronized (polling) {
            if (polling.subscription != null) {
                return;
            }
            long idleNanos = described.pollingIdle().toNanos();
            QueryObserver<Object> observer = queries.watch(options);
            polling.subscription = observer.subscribe(result -> {
                if (System.nanoTime() - polling.lastCall > idleNanos) {
                    stopPolling(key, polling);
                }
            });
        }
    }

    private void stopPolling(QueryKey key, Polling polling) {
        Subscription subscription;
        synchronized (polling) {
            subscription = polling.subscription;
            polling.subscription = null;
        }
        polled.remove(key, polling);
        if (subscription != null) {
            subscription.unsubscribe();
        }
    }

    private void invalidate(QueryMethod described, MethodInvocation invocation, @Nullable Object result) {
        Object target = invocation.getThis();
        for (KeyExpression prefix : described.invalidations) {
            QueryKey key = prefix.evaluate(target == null ? described : target, invocation.getMethod(),
                    invocation.getArguments(), result, true);
            client.get().invalidateQueries(QueryFilter.prefix(key));
        }
    }

    private static Object proceed(MethodInvocation template) throws Exception {
        MethodInvocation attempt = template instanceof ProxyMethodInvocation proxied ? proxied.invocableClone()
                : template;
        try {
            return attempt.proceed();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable other) {
            throw new IllegalStateException(other);
        }
    }

    private static Object await(CompletableFuture<Object> future) throws Throwable {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw QueryFetchException.sourceFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }
}
