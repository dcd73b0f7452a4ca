package dev.stackquery.spring.cache;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.springframework.cache.Cache;
import org.springframework.cache.interceptor.CacheOperationInvocationContext;
import org.springframework.cache.interceptor.CacheResolver;
import org.springframework.core.ResolvableType;

/**
 * Resolves the caches of an annotated method to {@link StackQueryCache}s typed by what the method returns, so their
 * L2 entries are read back as that type on any instance: {@code Product}, {@code List<Product>}; the value inside
 * {@code Optional}, {@code CompletableFuture} / {@code CompletionStage} and Reactor's {@code Mono}; a list of the
 * elements of a {@code Flux}. Names the manager does not have are reported by Spring as usual.
 */
public final class StackQueryCacheResolver implements CacheResolver {

    private final StackQueryCacheManager manager;

    /** A resolver over {@code manager}. */
    public StackQueryCacheResolver(StackQueryCacheManager manager) {
        this.manager = manager;
    }

    @Override
    public Collection<? extends Cache> resolveCaches(CacheOperationInvocationContext<?> context) {
        Type type = cachedType(context.getMethod(), context.getTarget().getClass());
        List<Cache> caches = new ArrayList<>();
        for (String name : context.getOperation().getCacheNames()) {
            Cache cache = type == null ? manager.getCache(name) : manager.getCache(name, type);
            if (cache == null) {
                throw new IllegalArgumentException("cannot find cache named '" + name + "' for "
                        + context.getOperation() + " (stackquery.cache-manager.cache-names lists the caches there"
                        + " are)");
            }
            caches.add(cache);
        }
        return caches;
    }

    /** The type a method's cached values have, or null when it has none worth declaring ({@code Object}, void). */
    static Type cachedType(Method method, Class<?> targetClass) {
        ResolvableType returned = ResolvableType.forMethodReturnType(method, targetClass);
        Class<?> raw = returned.resolve();
        if (raw == null || raw == void.class || raw == Void.class || raw == Object.class) {
            return null;
        }
        if (raw == Optional.class || CompletionStage.class.isAssignableFrom(raw)
                || raw.getName().equals("reactor.core.publisher.Mono")) {
            return declared(returned.getGeneric(0));
        }
        if (raw.getName().equals("reactor.core.publisher.Flux")) {
            Type element = declared(returned.getGeneric(0));
            return element == null ? null : ResolvableType.forClassWithGenerics(List.class,
                    ResolvableType.forType(element)).getType();
        }
        return declared(returned);
    }

    private static Type declared(ResolvableType type) {
        Class<?> raw = type.resolve();
        if (raw == null || raw == Object.class) {
            return null;
        }
        Type java = type.getType();
        // A type with unresolved variables (T) is no use to a JSON reader: fall back to what resolves.
        return java instanceof Class<?> || java instanceof ParameterizedType && !type.hasUnresolvableGenerics()
                ? java : raw;
    }
}
