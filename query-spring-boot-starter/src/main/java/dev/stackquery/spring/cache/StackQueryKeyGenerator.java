package dev.stackquery.spring.cache;

import java.lang.reflect.Method;
import java.util.Arrays;

import dev.stackquery.QueryKey;

import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * Spring's default keys, kept structured where a query key can hold them: no parameter gives
 * {@link SimpleKey#EMPTY}, one gives itself, several give the list of them ({@code ["lists", ["pens", 3]]} rather
 * than the text of a {@link SimpleKey}), so the actuator shows them as they are and prefix filters can select them.
 * Parameters a query key cannot hold (null, or a type of the application's own) fall back to Spring's
 * {@link SimpleKey}.
 */
public final class StackQueryKeyGenerator implements KeyGenerator {

    @Override
    public Object generate(Object target, Method method, Object... params) {
        if (params.length == 0) {
            return SimpleKey.EMPTY;
        }
        if (params.length == 1 && params[0] != null && !params[0].getClass().isArray()) {
            return params[0];
        }
        try {
            QueryKey.of(Arrays.asList(params)); // the parts a key accepts
            return Arrays.asList(params.clone());
        } catch (RuntimeException unsupported) {
            return new SimpleKey(params);
        }
    }
}
