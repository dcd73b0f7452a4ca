package dev.stackquery.spring.boot.devtools;

import dev.stackquery.QueryClient;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The devtools page at {@code /stackquery}, in a servlet web application with
 * {@code stackquery.devtools.enabled=true}. Off by default: the page can invalidate and remove queries, so turn it
 * on where its users may do that (development, or behind your security rules).
 */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnBooleanProperty("stackquery.devtools.enabled")
public final class StackQueryDevtoolsAutoConfiguration {

    @Bean
    RouterFunction<ServerResponse> stackQueryDevtoolsRoutes(QueryClient client) {
        return new DevtoolsRoutes(client).routes();
    }
}
