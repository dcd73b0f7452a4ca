package dev.stackquery.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Invalidates every query under a key prefix after the annotated method returns normally — for a
 * {@code CompletableFuture}/{@code CompletionStage} result, after it completes normally. An exception invalidates
 * nothing. Like {@code @CacheEvict}, but the queries are marked stale (and refetched when observed) rather than
 * dropped, here, in L2 and, through the invalidation bus, on every instance. Repeatable.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(InvalidatesQueries.List.class)
public @interface InvalidatesQueries {

    /**
     * The prefix: SpEL expressions separated by commas, one per key part, as in {@link CachedQuery#key()};
     * {@code #result} is the method's result. {@code "'user', #id"} invalidates {@code ["user", <id>]} and every
     * key under it.
     */
    String[] value();

    /** Holds repeated {@link InvalidatesQueries}. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @interface List {
        InvalidatesQueries[] value();
    }
}
