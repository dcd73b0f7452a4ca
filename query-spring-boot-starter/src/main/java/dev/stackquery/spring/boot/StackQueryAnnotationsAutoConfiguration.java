package dev.stackquery.spring.boot;

import dev.stackquery.spring.annotation.QueryAnnotationBeanPostProcessor;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * {@code @CachedQuery} and {@code @InvalidatesQueries} on bean methods; {@code stackquery.annotations.enabled=false}
 * leaves every bean unproxied.
 */
@AutoConfiguration(after = StackQueryAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "stackquery.annotations.enabled", matchIfMissing = true)
public final class StackQueryAnnotationsAutoConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    static QueryAnnotationBeanPostProcessor stackQueryAnnotationBeanPostProcessor() {
        return new QueryAnnotationBeanPostProcessor();
    }
}
