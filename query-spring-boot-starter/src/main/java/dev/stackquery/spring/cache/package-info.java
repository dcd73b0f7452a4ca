/**
 * Spring's cache abstraction ({@code @Cacheable}, {@code @CacheEvict}, {@code @CachePut}, {@code CacheManager})
 * backed by a {@link dev.stackquery.QueryClient}.
 */
@NullMarked
package dev.stackquery.spring.cache;

import org.jspecify.annotations.NullMarked;
