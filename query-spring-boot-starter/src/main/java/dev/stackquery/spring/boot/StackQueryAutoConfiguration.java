package dev.stackquery.spring.boot;

import dev.stackquery.FetchLock;
import dev.stackquery.InMemoryStorageBackend;
import dev.stackquery.InvalidationBus;
import dev.stackquery.QueryClient;
import dev.stackquery.reactor.ReactiveQueryClient;
import dev.stackquery.QueryCodec;
import dev.stackquery.QueryDefaults;
import dev.stackquery.StorageBackend;
import dev.stackquery.spring.boot.StackQueryProperties.StorageType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.core.env.Environment;

/**
 * The {@link QueryClient} bean, built from {@link StackQueryProperties}, the L2 beans that the storage
 * auto-configurations contributed and every {@link QueryClientCustomizer}. An application's own {@code QueryClient}
 * bean wins. The client is closed with the context.
 */
@AutoConfiguration(after = { StackQueryRedisAutoConfiguration.class, StackQueryJdbcAutoConfiguration.class })
@EnableConfigurationProperties(StackQueryProperties.class)
public final class StackQueryAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(StorageBackend.class)
    @ConditionalOnStorageType(StorageType.MEMORY)
    InMemoryStorageBackend stackQueryMemoryStorage() {
        return new InMemoryStorageBackend();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    QueryClient queryClient(StackQueryProperties properties, Environment environment,
            ObjectProvider<StorageBackend> storage, ObjectProvider<InvalidationBus> bus,
            ObjectProvider<FetchLock> fetchLock, ObjectProvider<QueryCodec> codec,
            ObjectProvider<QueryClientCustomizer> customizers) {
        StackQueryProperties.Defaults defaults = properties.getDefaults();
        StackQueryProperties.Storage l2 = properties.getStorage();
        QueryClient.Builder builder = QueryClient.builder()
                // Virtual threads only when the application turned them on (and the JDK has them); otherwise a
                // bounded pool of platform threads, which the client shuts down when it closes.
                .virtualThreads(Threading.VIRTUAL.isActive(environment))
                .maxQueries(properties.getMaxQueries())
                .defaults(QueryDefaults.builder().staleTime(defaults.getStaleTime()).gcTime(defaults.getGcTime())
                        .retry(defaults.getRetry()).timeout(defaults.getTimeout()).build())
                .storageTimeout(l2.getTimeout())
                .storageWriteTimeout(l2.getWriteTimeout())
                .storageTtl(l2.getTtl())
                .maxStalenessWhileDisconnected(
                        properties.getRedis().getInvalidation().getMaxStalenessWhileDisconnected())
                .maxValueBytes((int) l2.getMaxValueBytes().toBytes())
                .fetchLockLease(properties.getRedis().getFetchLock().getLease());
        StorageBackend backend = storage.getIfUnique();
        if (backend == null) {
            requireNone(l2.getType());
        } else if (l2.getType() != StorageType.NONE) {
            builder.storage(backend);
        }
        bus.ifUnique(builder::invalidationBus);
        fetchLock.ifUnique(builder::fetchLock);
        codec.ifUnique(builder::codec);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /** Types that need an L2 bean fail here when none was contributed. */
    private static void requireNone(StorageType type) {
        switch (type) {
            case REDIS -> throw new StorageUnavailableException(type, "the application has no reactive (Lettuce) Redis"
                    + " connection factory, or dev.stackquery:query-redis is not on the classpath");
            case JDBC -> throw new StorageUnavailableException(type, "the application has no DataSource bean");
            default -> {
                // auto without Redis and none: L1 only
            }
        }
    }

    /** The Reactor facade, for WebFlux applications: Reactor is on their classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "reactor.core.publisher.Mono")
    static class Reactive {

        @Bean
        @ConditionalOnMissingBean
        ReactiveQueryClient reactiveQueryClient(QueryClient client) {
            return ReactiveQueryClient.of(client);
        }
    }
}
