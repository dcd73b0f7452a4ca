package dev.stackquery.spring.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.Principal;
import java.util.Set;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryKey;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;

/** {@code when-authorized}: values for an authenticated caller with one of the roles, as Boot's show-values. */
class QueriesEndpointShowValuesTest {

    private final QueryClient client = QueryClient.builder().build();

    @AfterEach
    void close() {
        client.close();
    }

    private static SecurityContext caller(@Nullable String name, Set<String> roles) {
        return new SecurityContext() {
            @Override
            public @Nullable Principal getPrincipal() {
                return name == null ? null : () -> name;
            }

            @Override
            public boolean isUserInRole(String role) {
                return roles.contains(role);
            }
        };
    }

    @Test
    void whenAuthorizedShowsValuesOnlyToCallersWithTheRole() {
        client.setQueryData(QueryKey.of("cart", 7), "pen");
        QueriesEndpoint endpoint = new QueriesEndpoint(client, Show.WHEN_AUTHORIZED, Set.of("OPS"));

        assertThat(endpoint.query(caller(null, Set.of()), "[\"cart\",7]").data()).isNull();
        assertThat(endpoint.query(caller("eve", Set.of("USER")), "[\"cart\",7]").data()).isNull();
        assertThat(endpoint.query(caller("ann", Set.of("OPS")), "[\"cart\",7]").data()).isEqualTo("pen");
        assertThat(new QueriesEndpoint(client, Show.NEVER, Set.of()).query(caller("ann", Set.of("OPS")),
                "[\"cart\",7]").data()).isNull();
    }
}
