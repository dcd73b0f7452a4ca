package dev.stackquery.spring.boot.actuate;

import dev.stackquery.QueryClient;
import dev.stackquery.StorageBackend;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;

/** The {@code stackquery} health contributor, when Boot's health support is present and it is enabled. */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnEnabledHealthIndicator("stackquery")
public final class StackQueryHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "stackqueryHealthIndicator")
    StackQueryHealthIndicator stackqueryHealthIndicator(QueryClient client, ObjectProvider<StorageBackend> storage,
            StackQueryProperties properties) {
        StackQueryProperties.Storage l2 = properties.getStorage();
        StorageBackend used = l2.getType() == StackQueryProperties.StorageType.NONE ? null : storage.getIfUnique();
        return new StackQueryHealthIndicator(client, used, new Status(properties.getHealth().getL2DownStatus()),
                l2.getTimeout().multipliedBy(4));
    }
}
