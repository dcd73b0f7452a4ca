package dev.stackquery.spring.boot.devtools;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Principal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryState;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

/**
 * The page's writes obey the {@code queries} endpoint's access as Boot resolves it, and {@code stackquery.actuator.roles}
 * when set; its values obey {@code show-values}; behind a CSRF filter the page carries the token. Each test starts an
 * application with its settings and calls it over HTTP. The "security" here is a servlet filter standing in for
 * Spring Security: it authenticates a header and, like Spring Security's CsrfFilter, offers a token and refuses
 * writes without it.
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
                "stackquery.actuator.show-values", "when-authorized"), FakeSecurity.class)) {
            DevtoolsHttp anonymous = http(app).with("X-TEST-CSRF", FakeSecurity.TOKEN);
            DevtoolsHttp.Answer unauthenticated = anonymous.act("invalidate", KEY.canonical());
            assertThat(unauthenticated.status()).isEqualTo(403);
            assertThat(unauthenticated.json().get("error").asString()).contains("authenticated",
                    "stackquery.actuator.roles");
            DevtoolsHttp.Answer otherRole = anonymous.with(FakeSecurity.USER, "dev:DEV").act("invalidate",
                    KEY.canonical());
            assertThat(otherRole.status()).isEqualTo(403);
            assertThat(otherRole.json().get("error").asString()).contains("none of the roles");
            assertThat(state(app).invalidated()).isFalse();
            assertThat(anonymous.detail(KEY.canonical()).json().at("/query/data").isNull()).isTrue();

            DevtoolsHttp ops = anonymous.with(FakeSecurity.USER, "alice:OPS");
            assertThat(ops.detail(KEY.canonical()).json().at("/query/data").asString()).isEqualTo("pen");
            assertThat(ops.act("invalidate", KEY.canonical()).status()).isEqualTo(200);
            assertThat(state(app).invalidated()).isTrue();
        }
    }

    @Test
    void behindACsrfFilterThePageCarriesTheTokenItsScriptSends() {
        try (ConfigurableApplicationContext app = start(Map.of(), FakeSecurity.class)) {
            DevtoolsHttp http = http(app);
            String page = http.get("/stackquery").body();
            assertThat(page).contains("<meta name=\"csrf-header\" content=\"X-TEST-CSRF\">",
                    "<meta name=\"csrf-token\" content=\"" + FakeSecurity.TOKEN + "\">");
            assertThat(http.get("/stackquery/devtools.js").body()).contains("csrf-header", "csrf-token");

            assertThat(http.act("invalidate", KEY.canonical()).status()).as("without the token").isEqualTo(403);
            assertThat(http.with("X-TEST-CSRF", FakeSecurity.TOKEN).act("invalidate", KEY.canonical()).status())
                    .isEqualTo(200);
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

    /** A stand-in for Spring Security: header authentication, and a CSRF token required on POST. */
    @Configuration(proxyBeanMethods = false)
    static class FakeSecurity {

        static final String USER = "X-Test-User";
        static final String TOKEN = "token-4f1c";

        /** What Spring Security's CsrfToken offers, as the page reads it. */
        public static final class CsrfToken {
            public String getHeaderName() {
                return "X-TEST-CSRF";
            }

            public String getToken() {
                return TOKEN;
            }
        }

        @Bean
        Filter fakeSecurityFilter() {
            return (ServletRequest request, ServletResponse response, FilterChain chain) -> {
                HttpServletRequest http = (HttpServletRequest) request;
                http.setAttribute("_csrf", new CsrfToken());
                if (http.getMethod().equals("POST") && !TOKEN.equals(http.getHeader("X-TEST-CSRF"))) {
                    ((HttpServletResponse) response).sendError(403, "CSRF token missing");
                    return;
                }
                String user = http.getHeader(USER);
                chain.doFilter(user == null ? request : authenticated(http, user), response);
            };
        }

        private static HttpServletRequest authenticated(HttpServletRequest request, String user) {
            String[] parts = user.split(":");
            Principal principal = () -> parts[0];
            Set<String> roles = Set.of(parts[1].split(","));
            return new HttpServletRequestWrapper(request) {
                @Override
                public Principal getUserPrincipal() {
                    return principal;
                }

                @Override
                public boolean isUserInRole(String role) {
                    return roles.contains(role);
                }
            };
        }
    }
}
