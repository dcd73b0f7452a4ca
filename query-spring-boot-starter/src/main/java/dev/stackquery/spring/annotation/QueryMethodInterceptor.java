package dev.stackquery.spring.annotation;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFetchException;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;

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

    QueryMethodInterceptor(Supplier<QueryClient> client, Class<?> targetClass, Map<Method, QueryMethod> methods) {
        this.client = client;
        this.targetClass = targetClass;
        this.methods = Map.copyOf(methods);
    }

    /** The annotated target method that {@code method} (as a proxy sees it) calls, or null. */
    @Nullable QueryMethod describe(Method method) {
        return resolved.computeIfAbsent(method, m -> {
            QueryMethod direct = methods.get(m);
            if (direct != null) {
                return Optional.of(direct);
            }
            Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(m, targetClass));
            return Optional.ofNullable(methods.get(specific));
        }).orElse(null);
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
            stage.thenAccept(value -> invalidate(described, invocation, value)).exceptionally(failure -> {
                // The caller already has its result; a failed invalidation can only be reported here.
                if (!(stage.toCompletableFuture().isCompletedExceptionally())) {
                    LOG.warn("@InvalidatesQueries after " + described.name + " failed", failure);
                }
                return null;
            });
            return result;
        }
        invalidate(described, invocation, result);
        return result;
    }

    private @Nullable Object fetch(QueryMethod described, MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        QueryKey key = described.key(target == null ? described : target, invocation.getArguments());
        MethodInvocation call = invocation instanceof ProxyMethodInvocation proxied ? proxied.invocableClone()
                : invocation;
        QueryClient queries = client.get();
        switch (described.kind) {
            case FUTURE, STAGE -> {
                QueryOptions<Object> options = described.configure(QueryOptions.async(key, context -> {
                    Object started;
                    try {
                        started = proceed(call);
                    } catch (Exception thrown) {
                        return CompletableFuture.failedFuture(thrown); // thrown before returning a future
                    }
                    if (started == null) {
                        return CompletableFuture.failedFuture(new IllegalStateException(described.name
                                + " returned a null future"));
                    }
                    @SuppressWarnings("unchecked")
                    CompletionStage<Object> stage = (CompletionStage<Object>) started;
                    return stage;
                })).build();
                CompletableFuture<Object> result = new CompletableFuture<>();
                queries.fetchQuery(options).whenComplete((value, error) -> {
                    if (error != null) {
                        result.completeExceptionally(original(error));
                    } else {
                        result.complete(value);
                    }
                });
                return result;
            }
            case OPTIONAL -> {
                QueryOptions<Object> options = described.configure(QueryOptions.builder(key, context -> {
                    Object value = proceed(call);
                    return value == null ? Optional.empty() : value;
                })).build();
                return await(queries.fetchQuery(options));
            }
            default -> {
                QueryOptions<Object> options = described.configure(QueryOptions.builder(key, context -> {
                    Object value = proceed(call);
                    if (value == null) {
                        throw new IllegalStateException(described.name + " returned null; return Optional<T> to"
                                + " cache absence");
                    }
                    return value;
                })).build();
                return await(queries.fetchQuery(options));
            }
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

    private static Object proceed(MethodInvocation call) throws Exception {
        try {
            return call.proceed();
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
            throw original(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /** The method's own exception, out of the future's and the fetch's wrappers. */
    private static Throwable original(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException
                || e instanceof QueryFetchException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
