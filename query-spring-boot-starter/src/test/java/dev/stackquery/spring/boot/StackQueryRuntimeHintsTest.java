package dev.stackquery.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stackquery.spring.boot.actuate.QueriesEndpoint;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The hints AOT and native images get: registered through aot.factories, covering what the starter reflects on. */
class StackQueryRuntimeHintsTest {

    @Test
    void theRegistrarIsFoundAndCoversThePageAndTheJsonRecords() {
        RuntimeHints hints = new RuntimeHints();
        SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
                .load(RuntimeHintsRegistrar.class).forEach(registrar -> registrar.registerHints(hints,
                        getClass().getClassLoader()));
        assertThat(RuntimeHintsPredicates.resource().forResource(StackQueryRuntimeHints.DEVTOOLS_PAGE)).accepts(hints);
        assertThat(getClass().getClassLoader().getResource(StackQueryRuntimeHints.DEVTOOLS_PAGE))
                .as("the hinted resource exists").isNotNull();
        for (Class<?> type : new Class<?>[] { QueryDescriptor.class, QueriesEndpoint.QueriesDescriptor.class,
                QueriesEndpoint.ActionDescriptor.class }) {
            assertThat(RuntimeHintsPredicates.reflection().onType(type)).accepts(hints);
        }
        assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of(
                "dev.stackquery.spring.boot.devtools.DevtoolsRoutes$ActionRequest"))).accepts(hints);
    }
}
