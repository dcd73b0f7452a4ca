package dev.stackquery.spring.boot;

import dev.stackquery.QueryClient;
import dev.stackquery.spring.cache.StackQueryCacheManager;
import dev.stackquery.spring.cache.StackQueryCacheResolver;
import dev.stackquery.spring.cache.StackQueryKeyGenerator;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.interceptor.CacheResolver;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.context.annotation.Bean;

/**
 * With {@code stackquery.cache-manager.enabled=true}: the application's {@link CacheManager} is a
 * {@link StackQueryCacheManager} over the client (ahead of Boot's own cache auto-configuration, which then backs
 * off), and, unless the application configures caching itself, annotated methods resolve their caches through a
 * {@link StackQueryCacheResolver}, typed by what they return, with keys made by the {@link StackQueryKeyGenerator}.
 */
@AutoConfiguration(after = StackQueryAutoConfiguration.class,
        beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass(CacheManager.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnProperty(prefix = "stackquery.cache-manager", name = "enabled", havingValue = "true")
public final class StackQueryCacheAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    StackQueryCacheManager cacheManager(QueryClient client, StackQueryProperties properties) {
        StackQueryProperties.CacheManager cache = properties.getCacheManager();
        return new StackQueryCacheManager(client, cache.getStaleTime(), cache.getRetry(),
                cache.isAllowNullValues(), cache.getCacheNames());
    }

    @Bean
    @ConditionalOnMissingBean(CachingConfigurer.class)
    CachingConfigurer stackQueryCachingConfigurer(ObjectProvider<CacheManager> managers) {
        return new CachingConfigurer() {
            @Override
            public @Nullable KeyGenerator keyGenerator() {
                return managers.getIfUnique() instanceof StackQueryCacheManager ? new StackQueryKeyGenerator() : null;
            }

            @Override
            public @Nullable CacheResolver cacheResolver() {
                // Only over this manager: an application's own CacheManager keeps Spring's resolver.
                return managers.getIfUnique() instanceof StackQueryCacheManager manager
                        ? new StackQueryCacheResolver(manager) : null;
            }
        };
    }
}
