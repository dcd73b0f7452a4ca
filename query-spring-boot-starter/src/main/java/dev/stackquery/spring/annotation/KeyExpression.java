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
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.Literal;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
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
    /**
     * When every part is a literal or a parameter ({@code 'user', #id}, the usual key), what each part is: a constant,
     * or the index of the argument it names ({@link #fromArgument}); null when SpEL must evaluate the key.
     */
    private final Object @Nullable [] constants;
    private final int @Nullable [] fromArgument;

    private KeyExpression(String method, List<Expression> parts, @Nullable Method target) {
        this.method = method;
        this.parts = parts;
        Object[] plainConstants = null;
        int[] plainArguments = null;
        if (target != null) {
            List<SpelNode> terms = new ArrayList<>();
            for (Expression part : parts) {
                SpelNode list = ((SpelExpression) part).getAST();
                for (int i = 0; i < list.getChildCount(); i++) {
                    terms.add(list.getChild(i));
                }
            }
            String[] names = NAMES.getParameterNames(target);
            plainConstants = new Object[terms.size()];
            plainArguments = new int[terms.size()];
            for (int i = 0; i < terms.size() && plainConstants != null; i++) {
                SpelNode term = terms.get(i);
                if (term instanceof Literal literal) {
                    plainConstants[i] = literal.getLiteralValue().getValue();
                    plainArguments[i] = -1;
                } else if (term instanceof VariableReference) {
                    int index = argumentIndex(term.toStringAST().substring(1), names,
                            target.getParameterCount());
                    if (index < 0) {
                        plainConstants = null;
                    } else {
                        plainArguments[i] = index;
                    }
                } else {
                    plainConstants = null;
                }
            }
        }
        this.constants = plainConstants;
        this.fromArgument = plainConstants == null ? null : plainArguments;
    }

    /** The index of the argument {@code #name} stands for ({@code #id}, {@code #p0}, {@code #a0}), or -1. */
    private static int argumentIndex(String name, String @Nullable [] names, int count) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
        }
        if ((name.startsWith("p") || name.startsWith("a")) && name.length() > 1
                && name.substring(1).chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(name.substring(1));
            return index < count ? index : -1;
        }
        return -1;
    }

    /** Parses {@code texts}; throws {@link IllegalStateException} naming {@code method} when one is not SpEL. */
    static KeyExpression parse(String annotation, String method, String[] texts) {
        return parse(annotation, method, texts, null);
    }

    /**
     * {@link #parse(String, String, String[])} for {@code target}'s calls: a key of literals and parameters is then
     * made from the arguments directly, without SpEL at each call.
     */
    static KeyExpression parse(String annotation, String method, String[] texts, @Nullable Method target) {
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
        return new KeyExpression(annotation + " on " + method, List.copyOf(parts), target);
    }

    boolean isEmpty() {
        return parts.isEmpty();
    }

    private static @Nullable Object value(int part, Object[] constants, int[] fromArgument, @Nullable Object[] args) {
        return fromArgument[part] < 0 ? constants[part] : args[fromArgument[part]];
    }

    private static @Nullable Object[] values(Object[] constants, int[] fromArgument, @Nullable Object[] args) {
        Object[] values = new Object[constants.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(i, constants, fromArgument, args);
        }
        return values;
    }

    /** The key for one call; {@code result} is bound as {@code #result} when given. */
    QueryKey evaluate(Object target, Method method, @Nullable Object[] args, @Nullable Object result,
            boolean withResult) {
        Object[] plain = constants;
        int[] arguments = fromArgument;
        if (plain != null && arguments != null && args != null) {
            try {
                // Keys of up to three parts are made without an array of their own: one fewer per call.
                return switch (plain.length) {
                    case 1 -> QueryKey.of(value(0, plain, arguments, args));
                    case 2 -> QueryKey.of(value(0, plain, arguments, args), value(1, plain, arguments, args));
                    case 3 -> QueryKey.of(value(0, plain, arguments, args), value(1, plain, arguments, args),
                            value(2, plain, arguments, args));
                    default -> QueryKey.of(values(plain, arguments, args));
                };
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(this.method + ": key "
                        + java.util.Arrays.asList(values(plain, arguments, args)) + " cannot be a query key: "
                        + e.getMessage(), e);
            }
        }
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
