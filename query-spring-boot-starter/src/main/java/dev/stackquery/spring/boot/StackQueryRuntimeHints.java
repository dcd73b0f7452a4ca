package dev.stackquery.spring.boot;

import dev.stackquery.spring.boot.actuate.QueriesEndpoint;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * What the starter reads or serializes reflectively, for AOT processing and native images: the devtools page (a
 * classpath resource), and the records the {@code queries} endpoint and the devtools JSON write with Jackson. The
 * L2 types of {@code @CachedQuery} methods are the application's own and need its hints (Spring's
 * {@code @RegisterReflectionForBinding} on them, for instance).
 */
public final class StackQueryRuntimeHints implements RuntimeHintsRegistrar {

    /** The devtools page. */
    static final String DEVTOOLS_PAGE = "dev/stackquery/spring/boot/devtools/index.html";

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        hints.resources().registerPattern(DEVTOOLS_PAGE);
        for (Class<?> written : new Class<?>[] { QueryDescriptor.class, QueriesEndpoint.QueriesDescriptor.class,
                QueriesEndpoint.ActionDescriptor.class }) {
            hints.reflection().registerType(written, MemberCategory.INVOKE_PUBLIC_METHODS,
                    MemberCategory.INVOKE_PUBLIC_CONSTRUCTORS, MemberCategory.ACCESS_DECLARED_FIELDS);
        }
        for (String devtools : new String[] { "Listing", "ActionRequest" }) {
            hints.reflection().registerType(TypeReference.of("dev.stackquery.spring.boot.devtools.DevtoolsRoutes$"
                    + devtools), MemberCategory.INVOKE_DECLARED_METHODS, MemberCategory.INVOKE_DECLARED_CONSTRUCTORS,
                    MemberCategory.ACCESS_DECLARED_FIELDS);
        }
    }
}
