package dev.stackquery.spring.boot.devtools;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.function.Supplier;

import dev.stackquery.QueryClient;
import dev.stackquery.redis.RedisInvalidationBus;
import dev.stackquery.redis.RedisStorageBackend;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;
import dev.stackquery.spring.boot.StackQueryProperties.Devtools.Cluster;
import dev.stackquery.spring.boot.StackQueryRedisAutoConfiguration;

import org.springframework.aot.hint.annotation.RegisterReflectionForBinding;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * {@code GET /stackquery/api/instances}: the devtools page's view of one key on every instance, under the devtools
 * page's conditions (a servlet web application with {@code stackquery.devtools.enabled=true}). The instances talk over
 * Redis pub/sub when the application has StackQuery's Redis invalidation bus and a Redis connection factory (Boot's
 * Lettuce one), and {@code stackquery.devtools.cluster.enabled} is not false; otherwise the view holds this instance
 * only. The channels are named after {@code stackquery.storage.key-prefix} (or the Redis L2's own prefix), so that
 * only instances sharing a cache meet.
 */
@AutoConfiguration(after = { StackQueryAutoConfiguration.class, StackQueryRedisAutoConfiguration.class,
        StackQueryDevtoolsAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnBooleanProperty("stackquery.devtools.enabled")
@RegisterReflectionForBinding({ DevtoolsCluster.Instances.class, DevtoolsCluster.Instance.class })
public final class DevtoolsClusterAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DevtoolsCluster stackQueryDevtoolsCluster(QueryClient client, StackQueryProperties stackQuery,
            Environment environment) {
        Cluster properties = stackQuery.getDevtools().getCluster();
        return new DevtoolsCluster(client, null, stackQuery.getStorage().getKeyPrefix(), properties.getTimeout(),
                properties.getAnnounceInterval(), instanceId(properties, environment));
    }

    // Ahead of the application's catch-all routes, should it have any.
    @Bean
    @Order(0)
    RouterFunction<ServerResponse> stackQueryDevtoolsInstancesRoute(DevtoolsCluster cluster) {
        return new DevtoolsClusterRoutes(cluster).routes();
    }

    /** The configured id, else {@code <application name>@<host>:<port>} (the process id before the port is known). */
    static Supplier<String> instanceId(Cluster properties, Environment environment) {
        String configured = properties.getInstanceId();
        if (configured != null) {
            return () -> configured;
        }
        return () -> {
            String port = environment.getProperty("local.server.port");
            String id = environment.getProperty("spring.application.name", "application") + "@" + host() + ":"
                    + (port != null ? port : "pid" + ProcessHandle.current().pid());
            return id.length() <= Cluster.MAX_INSTANCE_ID_LENGTH ? id
                    : id.substring(id.length() - Cluster.MAX_INSTANCE_ID_LENGTH);
        };
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Over Redis, beside the invalidation bus. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ RedisInvalidationBus.class, RedisMessageListenerContainer.class })
    @ConditionalOnBean({ RedisInvalidationBus.class, RedisConnectionFactory.class,
            ReactiveRedisConnectionFactory.class })
    @ConditionalOnBooleanProperty(name = "stackquery.devtools.cluster.enabled", matchIfMissing = true)
    static class OverRedis {

        @Bean
        @ConditionalOnMissingBean
        DevtoolsCluster stackQueryDevtoolsRedisCluster(QueryClient client, StackQueryProperties stackQuery,
                Environment environment, RedisConnectionFactory subscribing,
                ReactiveRedisConnectionFactory publishing, ObjectProvider<RedisStorageBackend> storage) {
            Cluster properties = stackQuery.getDevtools().getCluster();
            RedisStorageBackend backend = storage.getIfUnique();
            String prefix = backend != null ? backend.keyPrefix() : stackQuery.getStorage().getKeyPrefix();
            return new DevtoolsCluster(client, new DevtoolsClusterRedisTransport(subscribing, publishing), prefix,
                    properties.getTimeout(), properties.getAnnounceInterval(), instanceId(properties, environment));
        }
    }
}
