package dev.stackquery.spring.boot.actuate;

import dev.stackquery.QueryClient;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerExceptionResolver;

/** The {@code queries} Actuator endpoint, when Actuator is present and the endpoint is enabled and exposed. */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnAvailableEndpoint(QueriesEndpoint.class)
public final class StackQueryEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    QueriesEndpoint queriesEndpoint(QueryClient client, StackQueryProperties properties) {
        StackQueryProperties.Actuator actuator = properties.getActuator();
        return new QueriesEndpoint(client, show(actuator.getShowValues()), actuator.getRoles());
    }

    /** Boot's {@link Show} for {@code stackquery.actuator.show-values}; the devtools page applies the same. */
    public static Show show(StackQueryProperties.ShowValues values) {
        return switch (values) {
            case NEVER -> Show.NEVER;
            case WHEN_AUTHORIZED -> Show.WHEN_AUTHORIZED;
            case ALWAYS -> Show.ALWAYS;
        };
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(QueriesEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    QueriesEndpointWebExtension queriesEndpointWebExtension(QueriesEndpoint endpoint) {
        return new QueriesEndpointWebExtension(endpoint);
    }

    /** Reasons for unreadable bodies sent to the endpoint, in servlet applications. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(HandlerExceptionResolver.class)
    @ConditionalOnAvailableEndpoint(endpoint = QueriesEndpoint.class, exposure = EndpointExposure.WEB)
    static class ServletBodyErrors {

        @Bean
        @ConditionalOnMissingBean
        QueriesEndpointBodyErrors queriesEndpointBodyErrors(ObjectProvider<PathMappedEndpoints> endpoints) {
            return new QueriesEndpointBodyErrors(endpoints);
        }
    }
}
