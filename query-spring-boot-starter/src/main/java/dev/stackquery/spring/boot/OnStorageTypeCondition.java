package dev.stackquery.spring.boot;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition behind {@link ConditionalOnStorageType}, binding the property as Boot binds enums. */
final class OnStorageTypeCondition extends SpringBootCondition {

    static final String PROPERTY = "stackquery.storage.type";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnStorageType.class.getName());
        StackQueryProperties.StorageType[] wanted = (StackQueryProperties.StorageType[]) attributes.get("value");
        StackQueryProperties.StorageType actual = configured(context);
        String message = PROPERTY + " is " + actual.name().toLowerCase(Locale.ROOT);
        return Arrays.asList(wanted).contains(actual) ? ConditionOutcome.match(message)
                : ConditionOutcome.noMatch(message);
    }

    static StackQueryProperties.StorageType configured(ConditionContext context) {
        return Binder.get(context.getEnvironment()).bind(PROPERTY, StackQueryProperties.StorageType.class)
                .orElse(StackQueryProperties.StorageType.AUTO);
    }
}
