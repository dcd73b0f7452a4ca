package dev.stackquery.spring.boot.actuate;

import dev.stackquery.QueryClient;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code stackquery.*} Micrometer meters of the {@link QueryClient}, when Micrometer is present; Boot binds the
 * {@link StackQueryMetrics} binder to its registry.
 */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnBooleanProperty(name = "stackquery.metrics.enabled", matchIfMissing = true)
public final class StackQueryMetricsAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    StackQueryMetrics stackQueryMetrics(QueryClient client, StackQueryProperties properties) {
        return new StackQueryMetrics(client, properties.getMetrics().getKeyTagDepth());
    }
}
