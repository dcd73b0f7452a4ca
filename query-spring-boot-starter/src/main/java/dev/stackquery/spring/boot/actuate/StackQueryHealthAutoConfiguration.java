package dev.stackquery.spring.boot.actuate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** The {@code stackquery} health contributor, when Boot's health support is present and it is enabled. */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(QueryClient.class)
@ConditionalOnEnabledHealthIndicator("stackquery")
public final class StackQueryHealthAutoConfiguration {

    /** The statuses Boot's health knows without configuration. */
    static final List<String> STANDARD_STATUSES = List.of(Status.UP.getCode(), Status.DOWN.getCode(),
            Status.OUT_OF_SERVICE.getCode(), Status.UNKNOWN.getCode());

    @Bean
    @ConditionalOnMissingBean(name = "stackqueryHealthIndicator")
    StackQueryHealthIndicator stackqueryHealthIndicator(QueryClient client, ObjectProvider<StorageBackend> storage,
            StackQueryProperties properties, Environment environment) {
        StackQueryProperties.Storage l2 = properties.getStorage();
        StorageBackend used = l2.getType() == StackQueryProperties.StorageType.NONE ? null : storage.getIfUnique();
        return new StackQueryHealthIndicator(client, used,
                new Status(checkedStatus(properties.getHealth().getL2DownStatus(), environment)),
                l2.getTimeout().multipliedBy(4));
    }

    /**
     * {@code status} if health knows it: a standard status, or one the application declared in
     * {@code management.endpoint.health.status.order}. A typo ({@code SIDEWAYS}) would otherwise be reported as a
     * status no load balancer or aggregation rule expects.
     */
    static String checkedStatus(String status, Environment environment) {
        List<String> known = new ArrayList<>(STANDARD_STATUSES);
        Binder.get(environment).bind("management.endpoint.health.status.order", Bindable.listOf(String.class))
                .ifBound(order -> order.forEach(code -> known.add(code.trim().toUpperCase(Locale.ROOT))));
        if (!known.contains(status)) {
            throw new InvalidConfigurationPropertyValueException("stackquery.health.l2-down-status", status,
                    "Health knows " + String.join(", ", known) + "; a status of your own must be listed in"
                            + " management.endpoint.health.status.order first.");
        }
        return status;
    }
}
