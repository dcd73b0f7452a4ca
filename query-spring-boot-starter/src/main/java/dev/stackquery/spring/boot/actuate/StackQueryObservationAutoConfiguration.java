package dev.stackquery.spring.boot.actuate;

import dev.stackquery.spring.boot.QueryClientCustomizer;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;
import dev.stackquery.spring.boot.StackQueryProperties;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Each source call a Micrometer Observation ({@link StackQueryObservations}), when the application has an
 * {@link ObservationRegistry} bean (Boot makes one with actuator or tracing on the classpath).
 */
@AutoConfiguration(before = StackQueryAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
public final class StackQueryObservationAutoConfiguration {

    @Bean
    QueryClientCustomizer stackQueryObservations(ObjectProvider<ObservationRegistry> registry,
            StackQueryProperties properties) {
        return builder -> {
            ObservationRegistry observations = registry.getIfUnique();
            if (observations != null && !observations.isNoop()) {
                builder.sourceCallObserver(new StackQueryObservations(observations,
                        properties.getMetrics().getKeyTagDepth()));
            }
        };
    }
}
