package dev.stackquery.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.TypeRef;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.ClassUtils;

/**
 * Everything about one annotated method that does not depend on a call: its return kind, its L2 type, its key
 * expressions, its durations and its invalidations. Built once per method when the bean is proxied, so every error
 * a user can make in an annotation that can be seen then fails startup with the method's name.
 */
final class QueryMethod {

    /** How the method returns its data, which decides how a call waits. */
    enum Kind { PLAIN, OPTIONAL, FUTURE, STAGE, MONO, FLUX }

    final Method method;
    final String name;
    final String beanName;
    final @Nullable Kind kind;
    final @Nullable TypeRef<Object> type;
    /** The class the cached data must have (List for a Flux, Optional for Optional), when known. */
    private final @Nullable Class<?> dataClass;
    final @Nullable KeyExpression key;
    final @Nullable Duration staleTime;
    final @Nullable Duration gcTime;
    final @Nullable Integer retry;
    final @Nullable Duration refetchInterval;
    final List<KeyExpression> invalidations;

    private QueryMethod(Method method, String beanName, PropertyResolver properties) {
        this.method = method;
        this.beanName = beanName;
        this.name = method.getDeclaringClass().getSimpleName() + "." + method.getName()
                + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                        .reduce((a, b) -> a + ", " + b).map(p -> "(" + p + ")").orElse("()");
        CachedQuery cached = AnnotatedElementUtils.findMergedAnnotation(method, CachedQuery.class);
        if (cached != null) {
            String where = "@CachedQuery on " + name;
            this.kind = kind(method, where);
            this.type = type(method.getGenericReturnType(), kind);
            this.dataClass = dataClass(method, kind);
            this.key = KeyExpression.parse("@CachedQuery", name, cached.key(), method);
            this.staleTime = duration(cached.staleTime(), "staleTime", where, properties);
            this.gcTime = duration(cached.gcTime(), "gcTime", where, properties);
            this.refetchInterval = duration(cached.refetchInterval(), "refetchInterval", where, properties);
            this.retry = retry(cached.retry(), where, properties);
        } else {
            this.kind = null;
            this.type = null;
            this.dataClass = null;
            this.key = null;
            this.staleTime = null;
            this.gcTime = null;
            this.refetchInterval = null;
            this.retry = null;
        }
        List<KeyExpression> invalidate = new ArrayList<>();
        for (InvalidatesQueries each : AnnotatedElementUtils.findMergedRepeatableAnnotations(method,
                InvalidatesQueries.class)) {
            KeyExpression prefix = KeyExpression.parse("@InvalidatesQueries", name, each.value());
            if (prefix.isEmpty()) {
                throw new IllegalStateException("@InvalidatesQueries on " + name + " names no key prefix");
            }
            invalidate.add(prefix);
        }
        this.invalidations = List.copyOf(invalidate);
    }

    /** The method's description, or null when it carries neither annotation. */
    static @Nullable QueryMethod of(Method method, String beanName, PropertyResolver properties) {
        boolean annotated = AnnotatedElementUtils.hasAnnotation(method, CachedQuery.class)
                || !AnnotatedElementUtils.findMergedRepeatableAnnotations(method, InvalidatesQueries.class).isEmpty();
        return annotated ? new QueryMethod(method, beanName, properties) : null;
    }

    boolean isCached() {
        return kind != null;
    }

    /** The key of one call: the annotation's, or {@code ["<bean>.<method>", args...]} when it gives none. */
    QueryKey key(Object target, @Nullable Object[] args) {
        KeyExpression expression = key;
        if (expression != null && !expression.isEmpty()) {
            return expression.evaluate(target, method, args, null, false);
        }
        List<Object> parts = new ArrayList<>();
        parts.add(beanName + "." + method.getName());
        if (args != null) {
            parts.addAll(Arrays.asList(args));
        }
        try {
            return QueryKey.ofParts(parts);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("@CachedQuery on " + name + ": the arguments " + parts.subList(1,
                    parts.size()) + " cannot be key parts (" + e.getMessage() + "); give the annotation a key", e);
        }
    }

    /**
     * {@code value} if it is what this method returns (its data's class), else an error naming the key and both
     * classes: the query holds another caller's data under the same key, which a cast would report far from here.
     */
    @Nullable Object checkType(QueryKey key, @Nullable Object value) {
        Class<?> expected = dataClass;
        if (value == null || expected == null || expected.isInstance(value)) {
            return value;
        }
        throw new IllegalStateException("@CachedQuery on " + name + ": query " + key + " holds a "
                + value.getClass().getName() + ", not a " + expected.getName() + "; another method or caller uses the"
                + " same key for other data: give them different keys");
    }

    /** How long a polled key may go uncalled before polling stops: its gcTime (5 min if unset), at least 2 periods. */
    Duration pollingIdle() {
        Duration idle = gcTime != null ? gcTime : Duration.ofMinutes(5);
        Duration twoIntervals = refetchInterval == null ? Duration.ZERO : refetchInterval.multipliedBy(2);
        return idle.compareTo(twoIntervals) >= 0 ? idle : twoIntervals;
    }

    /** Applies the L2 type and what the annotation set; the rest stays with the client's defaults. */
    QueryOptions.Builder<Object> configure(QueryOptions.Builder<Object> builder) {
        if (type != null) {
            builder.type(type);
        }
        if (staleTime != null) {
            builder.staleTime(staleTime);
        }
        if (gcTime != null) {
            builder.gcTime(gcTime);
        }
        if (retry != null) {
            builder.retry(retry);
        }
        if (refetchInterval != null) {
            builder.refetchInterval(refetchInterval);
        }
        return builder;
    }

    private static Kind kind(Method method, String where) {
        Class<?> returned = method.getReturnType();
        if (returned == void.class || returned == Void.class) {
            throw new IllegalStateException(where + ": a void method has no data to cache");
        }
        if (returned == Optional.class) {
            return Kind.OPTIONAL;
        }
        if (returned == CompletableFuture.class) {
            return Kind.FUTURE;
        }
        if (returned == CompletionStage.class) {
            return Kind.STAGE;
        }
        if (returned.getName().equals("reactor.core.publisher.Mono")) {
            return Kind.MONO;
        }
        if (returned.getName().equals("reactor.core.publisher.Flux")) {
            return Kind.FLUX;
        }
        if (CompletionStage.class.isAssignableFrom(returned)) {
            throw new IllegalStateException(where + ": return CompletableFuture or CompletionStage, not "
                    + returned.getSimpleName());
        }
        return Kind.PLAIN;
    }

    private static @Nullable Class<?> dataClass(Method method, Kind kind) {
        return switch (kind) {
            case PLAIN -> ClassUtils.resolvePrimitiveIfNecessary(method.getReturnType());
            case OPTIONAL -> Optional.class;
            case FLUX -> List.class;
            case FUTURE, STAGE, MONO -> ResolvableType.forMethodReturnType(method).getGeneric(0).resolve();
        };
    }

    /** The data's type for L2: the return type, the future's element type, or null when it is not concrete. */
    @SuppressWarnings("unchecked")
    private static @Nullable TypeRef<Object> type(Type returned, Kind kind) {
        Type data = returned;
        if (kind == Kind.FUTURE || kind == Kind.STAGE || kind == Kind.MONO || kind == Kind.FLUX) {
            data = returned instanceof ParameterizedType future ? future.getActualTypeArguments()[0] : Object.class;
        }
        if (kind == Kind.FLUX && data != Object.class && concrete(data)) {
            // A Flux is cached as the list of its elements.
            data = ResolvableType.forClassWithGenerics(List.class, ResolvableType.forType(data)).getType();
        }
        if (data instanceof Class<?> plain) {
            data = ClassUtils.resolvePrimitiveIfNecessary(plain);
        }
        if (data == Object.class || !concrete(data)) {
            return null; // cached in L1 and written to L2 by runtime class, but never read back from L2
        }
        return (TypeRef<Object>) (TypeRef<?>) TypeRef.of(data);
    }

    private static boolean concrete(Type type) {
        if (type instanceof TypeVariable<?> || type instanceof WildcardType) {
            return false;
        }
        if (type instanceof ParameterizedType parameterized) {
            for (Type argument : parameterized.getActualTypeArguments()) {
                if (!concrete(argument)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static @Nullable Duration duration(String text, String attribute, String where,
            PropertyResolver properties) {
        String resolved = resolve(text, attribute, where, properties);
        if (resolved == null) {
            return null;
        }
        Duration duration;
        try {
            duration = DurationStyle.detectAndParse(resolved);
        } catch (IllegalArgumentException e) {
            // No cause: the parser's own message says less than this one, and a root cause is what gets shown.
            throw new IllegalStateException(where + ": " + attribute + " '" + text + "' is not a duration (e.g. 30s,"
                    + " 5m, PT1H)" + (resolved.equals(text) ? "" : "; it resolved to '" + resolved + "'"));
        }
        if (duration.isNegative()) {
            throw new IllegalStateException(where + ": " + attribute + " must not be negative, was " + resolved);
        }
        return duration;
    }

    private static @Nullable Integer retry(String text, String where, PropertyResolver properties) {
        String resolved = resolve(text, "retry", where, properties);
        if (resolved == null) {
            return null;
        }
        try {
            int retry = Integer.parseInt(resolved.trim());
            if (retry < 0) {
                throw new NumberFormatException("negative");
            }
            return retry;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(where + ": retry '" + text + "' is not a number of retries (0 or more)");
        }
    }

    private static @Nullable String resolve(String text, String attribute, String where,
            PropertyResolver properties) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return properties.resolveRequiredPlaceholders(text).trim();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + attribute + " '" + text + "': " + e.getMessage());
        }
    }
}
