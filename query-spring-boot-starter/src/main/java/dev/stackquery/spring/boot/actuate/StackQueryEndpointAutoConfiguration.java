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
import org.springframework.context.annotation.Bean;

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
        Show show = switch (actuator.getShowValues()) {
            case NEVER -> Show.NEVER;
            case WHEN_AUTHORIZED -> Show.WHEN_AUTHORIZED;
            case ALWAYS -> Show.ALWAYS;
        };
        return new QueriesEndpoint(client, show, actuator.getRoles());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(QueriesEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    QueriesEndpointWebExtension queriesEndpointWebExtension(QueriesEndpoint endpoint) {
        return new QueriesEndpointWebExtension(endpoint);
    }
}
