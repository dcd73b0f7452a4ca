package dev.stackquery.spring.boot.devtools;

import dev.stackquery.QueryClient;
import dev.stackquery.StorageBackend;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.PropertiesEndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The devtools console at {@code /stackquery}, in a servlet web application with
 * {@code stackquery.devtools.enabled=true}. Off by default: the page can invalidate and remove queries, so turn it
 * on where its users may do that (development, or behind your security rules). Its writes follow the
 * {@code queries} endpoint's access settings, and its values {@code stackquery.actuator.show-values}.
 */
@AutoConfiguration(after = StackQueryAutoConfiguration.class, afterName =
        "org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnBooleanProperty("stackquery.devtools.enabled")
@ImportRuntimeHints(DevtoolsRuntimeHints.class)
public final class StackQueryDevtoolsAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    DevtoolsRecorder stackQueryDevtoolsRecorder(QueryClient client, StackQueryProperties properties) {
        return DevtoolsRecorder.listeningTo(client, properties.getDevtools().getEvents());
    }

    @Bean
    @ConditionalOnMissingBean
    DevtoolsAccess stackQueryDevtoolsAccess(StackQueryProperties properties) {
        return DevtoolsAccess.withoutActuator(properties.getActuator().getRoles());
    }

    @Bean
    RouterFunction<ServerResponse> stackQueryDevtoolsRoutes(QueryClient client, DevtoolsRecorder recorder,
            DevtoolsAccess access, StackQueryProperties properties, ObjectProvider<StorageBackend> storage) {
        // The client uses the L2 bean unless storage.type is none.
        StorageBackend l2 = properties.getStorage().getType() == StackQueryProperties.StorageType.NONE ? null
                : storage.getIfUnique();
        StateControls stateControls = new StateControls(client);
        boolean controls = properties.getDevtools().isStateControls();
        QueryDetails details = new QueryDetails(client, recorder, stateControls, controls, l2);
        return new DevtoolsRoutes(client, recorder, access, details, stateControls, controls)
                .routes();
    }

    /** With Actuator: the {@code queries} endpoint's access settings and {@code show-values} rule. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
            "org.springframework.boot.actuate.autoconfigure.endpoint.PropertiesEndpointAccessResolver" })
    static class EndpointRules {

        @Bean
        @ConditionalOnMissingBean
        DevtoolsAccess stackQueryDevtoolsEndpointAccess(StackQueryProperties properties,
                ObjectProvider<EndpointAccessResolver> resolver, Environment environment) {
            return new EndpointRulesAccess(properties.getActuator(),
                    resolver.getIfAvailable(() -> new PropertiesEndpointAccessResolver(environment)));
        }
    }
}
