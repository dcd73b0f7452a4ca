/** Declarative queries: {@code @CachedQuery} and {@code @InvalidatesQueries} on Spring bean methods. */
@NullMarked
package dev.stackquery.spring.annotation;

import org.jspecify.annotations.NullMarked;
