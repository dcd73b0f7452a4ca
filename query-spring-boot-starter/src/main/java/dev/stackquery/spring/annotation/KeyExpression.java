package dev.stackquery.spring.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import dev.stackquery.QueryKey;

import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * The key of an annotated method: its SpEL texts parsed once (at startup, so a bad expression fails there), each as
 * an inline list ({@code "'user', #id"} → {@code {'user', #id}}), evaluated per call against the arguments.
 */
final class KeyExpression {

    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    private final String method;
    private final List<Expression> parts;

    private KeyExpression(String method, List<Expression> parts) {
        this.method = method;
        this.parts = parts;
    }

    /** Parses {@code texts}; throws {@link IllegalStateException} naming {@code method} when one is not SpEL. */
    static KeyExpression parse(String annotation, String method, String[] texts) {
        List<Expression> parts = new ArrayList<>(texts.length);
        for (String text : texts) {
            if (text.isBlank()) {
                throw new IllegalStateException(annotation + " on " + method + ": a key expression is blank");
            }
            try {
                parts.add(PARSER.parseExpression("{" + text + "}"));
            } catch (ParseException e) {
                throw new IllegalStateException(annotation + " on " + method + ": key '" + text
                        + "' is not a comma-separated list of SpEL expressions: " + e.getMessage());
            }
        }
        return new KeyExpression(annotation + " on " + method, List.copyOf(parts));
    }

    boolean isEmpty() {
        return parts.isEmpty();
    }

    /** The key for one call; {@code result} is bound as {@code #result} when given. */
    QueryKey evaluate(Object target, Method method, @Nullable Object[] args, @Nullable Object result,
            boolean withResult) {
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(target, method, args, NAMES);
        if (withResult) {
            context.setVariable("result", result);
        }
        List<Object> values = new ArrayList<>();
        for (Expression part : parts) {
            Object value;
            try {
                value = part.getValue(context);
            } catch (EvaluationException e) {
                throw new IllegalArgumentException(this.method + ": key '" + part.getExpressionString()
                        + "' failed: " + e.getMessage(), e);
            }
            values.addAll((List<?>) value);
        }
        try {
            return QueryKey.ofParts(values);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(this.method + ": key " + values + " cannot be a query key: "
                    + e.getMessage(), e);
        }
    }
}
