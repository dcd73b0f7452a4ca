package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.spring.boot.StackQueryAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.servlet.function.RouterFunction;

/** When the console is configured, and with what: one condition per test. */
class StackQueryDevtoolsAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(StackQueryAutoConfiguration.class,
                    StackQueryDevtoolsAutoConfiguration.class))
            .withPropertyValues("stackquery.storage.type=none");

    @Test
    void offByDefault() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(QueryClient.class);
            assertThat(context).doesNotHaveBean(DevtoolsRecorder.class).doesNotHaveBean(RouterFunction.class);
        });
    }

    @Test
    void whenEnabledItRecordsTheClientsEventsFromTheStart() {
        runner.withPropertyValues("stackquery.devtools.enabled=true", "stackquery.devtools.events=5").run(context -> {
            DevtoolsRecorder recorder = context.getBean(DevtoolsRecorder.class);
            assertThat(context).hasSingleBean(RouterFunction.class);
            for (int i = 0; i < 10; i++) {
                context.getBean(QueryClient.class).setQueryData(QueryKey.of("k", i), "v");
            }
            assertThat(recorder.events().capacity()).isEqualTo(5);
            assertThat(recorder.events().newest(e -> true, 100)).hasSize(5);
        });
    }

    @Test
    void withActuatorItFollowsTheQueriesEndpointsRules() {
        runner.withPropertyValues("stackquery.devtools.enabled=true", "stackquery.actuator.show-values=always",
                // Upper case: the runner's environment lacks the relaxed enum conversion of an application's.
                "management.endpoint.queries.access=READ_ONLY").run(context -> {
                    DevtoolsAccess access = context.getBean(DevtoolsAccess.class);
                    assertThat(access).isInstanceOf(EndpointRulesAccess.class);
                    MockHttpServletRequest request = new MockHttpServletRequest();
                    assertThat(access.showsValues(request)).isTrue();
                    assertThat(access.refusesWrites(request)).hasValueSatisfying(
                            reason -> assertThat(reason).contains("read-only"));
                });
    }

    @Test
    void withoutActuatorValuesAreNeverShownAndWritesArePermitted() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .withPropertyValues("stackquery.devtools.enabled=true", "stackquery.actuator.show-values=always")
                .run(context -> {
                    DevtoolsAccess access = context.getBean(DevtoolsAccess.class);
                    assertThat(access).isNotInstanceOf(EndpointRulesAccess.class);
                    MockHttpServletRequest request = new MockHttpServletRequest();
                    assertThat(access.showsValues(request)).isFalse();
                    assertThat(access.refusesWrites(request)).isEmpty();
                });
    }

    @Test
    void aBadEventCountFailsStartupNamingTheProperty() {
        runner.withPropertyValues("stackquery.devtools.enabled=true", "stackquery.devtools.events=0")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("stackquery.devtools.events"));
    }
}
