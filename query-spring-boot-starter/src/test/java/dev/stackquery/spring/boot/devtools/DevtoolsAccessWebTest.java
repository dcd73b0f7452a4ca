package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryState;
import dev.stackquery.spring.boot.ReadmeSnippets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.JsonNode;

/**
 * The page's writes obey the {@code queries} endpoint's access as Boot resolves it, and
 * {@code stackquery.actuator.roles} when set; its values obey {@code show-values}; behind Spring Security (real, with its CSRF protection on) the page
 * carries the token, and the README's {@code SecurityFilterChain}, compiled from the README and loaded, keeps all but
 * OPS out. Each test starts an application with its settings and calls it over HTTP.
 */
class DevtoolsAccessWebTest {

    private static final QueryKey KEY = QueryKey.of("guarded", 1);

    @Test
    void writesAreRefusedWhereTheEndpointIsReadOnly() {
        try (ConfigurableApplicationContext app = start(Map.of("management.endpoint.queries.access", "read-only"))) {
            DevtoolsHttp http = http(app);
            DevtoolsHttp.Answer refused = http.act("invalidate", KEY.canonical());
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.json().get("error").asString()).contains("read-only",
                    "management.endpoint.queries.access");
            assertThat(state(app).invalidated()).as("nothing changed").isFalse();

            JsonNode detail = http.detail(KEY.canonical()).json();
            assertThat(detail.at("/query/status").asString()).as("reads still answer").isEqualTo("success");
            assertThat(detail.at("/controls/writes").asBoolean()).isFalse();
            assertThat(detail.at("/controls/writesRefused").asString()).contains("read-only");
            JsonNode listing = http.get("/stackquery/api/queries").json();
            assertThat(listing.get("writes").asBoolean()).as("the table's buttons are greyed").isFalse();
            assertThat(listing.get("writesRefused").asString()).contains("read-only");
        }
    }

    @Test
    void writesAreRefusedWhereEndpointAccessIsCappedOrNone() {
        for (Map<String, Object> settings : List.<Map<String, Object>>of(
                Map.of("management.endpoints.access.max-permitted", "read-only"),
                Map.of("management.endpoint.queries.access", "none"),
                Map.of("management.endpoints.access.default", "none"))) {
            try (ConfigurableApplicationContext app = start(settings)) {
                DevtoolsHttp.Answer refused = http(app).act("remove", KEY.canonical());
                assertThat(refused.status()).as(settings.toString()).isEqualTo(403);
                assertThat(app.getBean(QueryClient.class).getQueryState(KEY)).as(settings.toString()).isPresent();
            }
        }
    }

    @Test
    void withRolesConfiguredOnlyACallerInOneOfThemMayWriteOrSeeValues() {
        try (ConfigurableApplicationContext app = start(Map.of("stackquery.actuator.roles", "OPS",
                "stackquery.actuator.show-values", "when-authorized"), Users.class, AuthenticatedOnly.class)) {
            assertThat(http(app).get("/stackquery").status()).as("Spring Security asks who calls").isEqualTo(401);

            DevtoolsHttp dev = withCsrfToken(http(app).with(basic("dev")).withSession());
            DevtoolsHttp.Answer otherRole = dev.act("invalidate", KEY.canonical());
            assertThat(otherRole.status()).isEqualTo(403);
            assertThat(otherRole.json().get("error").asString()).contains("none of the roles",
                    "stackquery.actuator.roles");
            assertThat(state(app).invalidated()).isFalse();
            assertThat(dev.detail(KEY.canonical()).json().at("/query/data").isNull()).as("values hidden").isTrue();

            DevtoolsHttp ops = withCsrfToken(http(app).with(basic("alice")).withSession());
            assertThat(ops.detail(KEY.canonical()).json().at("/query/data").asString()).isEqualTo("pen");
            assertThat(ops.act("invalidate", KEY.canonical()).status()).isEqualTo(200);
            assertThat(state(app).invalidated()).isTrue();
        }
    }

    @Test
    void theReadmeSecurityFilterChainLetsOnlyOpsInAndThePageCarriesItsCsrfToken(@TempDir Path dir)
            throws IOException {
        Class<?> readme = ReadmeSnippets.load(ReadmeSnippets.javaUnitContaining("SecurityFilterChain"), dir);
        try (URLClassLoader loader = (URLClassLoader) readme.getClassLoader();
                ConfigurableApplicationContext app = start(Map.of(), Users.class, readme)) {
            assertThat(http(app).get("/stackquery").status()).as("anonymous").isEqualTo(401);
            assertThat(http(app).get("/stackquery/api/queries").status()).isEqualTo(401);
            assertThat(http(app).with(basic("dev")).get("/stackquery").status()).as("not OPS").isEqualTo(403);

            DevtoolsHttp ops = http(app).with(basic("alice")).withSession();
            String page = ops.get("/stackquery").body();
            assertThat(page).contains("<meta name=\"csrf-header\" content=\"X-CSRF-TOKEN\">",
                    "<meta name=\"csrf-token\" content=\"");
            assertThat(ops.get("/stackquery/devtools.js").body()).as("the script sends what the page carries")
                    .contains("csrf-header", "csrf-token");
            assertThat(ops.act("invalidate", KEY.canonical()).status()).as("without the token").isEqualTo(403);
            assertThat(state(app).invalidated()).isFalse();
            assertThat(withCsrfToken(ops).act("invalidate", KEY.canonical()).status()).isEqualTo(200);
            assertThat(state(app).invalidated()).isTrue();
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> settings, Class<?>... more) {
        Map<String, Object> properties = new HashMap<>(settings);
        properties.put("server.port", 0);
        properties.put("server.address", "127.0.0.1");
        properties.put("stackquery.devtools.enabled", true);
        properties.put("stackquery.storage.type", "none");
        properties.put("management.health.redis.enabled", false);
        Class<?>[] sources = new Class<?>[more.length + 1];
        sources[0] = DevtoolsTestApplication.class;
        System.arraycopy(more, 0, sources, 1, more.length);
        ConfigurableApplicationContext app = new SpringApplicationBuilder(sources).properties(properties).run();
        app.getBean(QueryClient.class).setQueryData(KEY, "pen");
        return app;
    }

    private static DevtoolsHttp http(ConfigurableApplicationContext app) {
        return new DevtoolsHttp(Integer.parseInt(app.getEnvironment().getProperty("local.server.port")));
    }

    private static QueryState<Object> state(ConfigurableApplicationContext app) {
        return app.getBean(QueryClient.class).getQueryState(KEY).orElseThrow();
    }

    /** Basic authentication of one of {@link Users}' users (password: the name reversed). */
    private static String[] basic(String user) {
        String password = new StringBuilder(user).reverse().toString();
        return new String[] {"Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))};
    }

    /** {@code http} sending the CSRF token that the page, fetched in the same session, carries, as its script does. */
    private static DevtoolsHttp withCsrfToken(DevtoolsHttp http) {
        String page = http.get("/stackquery").body();
        Matcher header = Pattern.compile("<meta name=\"csrf-header\" content=\"([^\"]+)\">").matcher(page);
        Matcher token = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">").matcher(page);
        assertThat(header.find() && token.find()).as("the page's CSRF meta tags").isTrue();
        return http.with(header.group(1), token.group(1));
    }

    /** Spring Security itself, without Boot's auto-configuration of it: alice in OPS, dev in DEV. */
    @Configuration(proxyBeanMethods = false)
    @EnableWebSecurity
    static class Users {

        @Bean
        InMemoryUserDetailsManager users() {
            return new InMemoryUserDetailsManager(
                    User.withUsername("alice").password("{noop}ecila").roles("OPS").build(),
                    User.withUsername("dev").password("{noop}ved").roles("DEV").build());
        }
    }

    /** Any authenticated caller reaches the console; the page's own rules (roles) decide the rest. */
    @Configuration(proxyBeanMethods = false)
    static class AuthenticatedOnly {

        @Bean
        SecurityFilterChain devtoolsForAnyUser(HttpSecurity http) throws Exception {
            return http.securityMatcher("/stackquery/**")
                    .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                    .httpBasic(Customizer.withDefaults()).build();
        }
    }
}
