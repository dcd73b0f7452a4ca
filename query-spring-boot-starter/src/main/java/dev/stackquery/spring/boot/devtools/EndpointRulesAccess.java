package dev.stackquery.spring.boot.devtools;

import java.security.Principal;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.stackquery.spring.boot.StackQueryProperties;
import dev.stackquery.spring.boot.actuate.QueriesEndpoint;
import dev.stackquery.spring.boot.actuate.StackQueryEndpointAutoConfiguration;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;

/**
 * The {@code queries} endpoint's rules applied to the page: Boot's {@link Show} with the configured roles for values,
 * and the endpoint's access as Boot resolves it ({@code management.endpoint.queries.access},
 * {@code management.endpoints.access.default} and {@code .max-permitted}) for writes, which need
 * {@link Access#UNRESTRICTED}; then the roles, when some are configured.
 */
final class EndpointRulesAccess implements DevtoolsAccess {

    private final Show show;
    private final Set<String> roles;
    private final Access access;

    EndpointRulesAccess(StackQueryProperties.Actuator actuator, EndpointAccessResolver resolver) {
        this.show = StackQueryEndpointAutoConfiguration.show(actuator.getShowValues());
        this.roles = Set.copyOf(actuator.getRoles());
        Endpoint endpoint = Objects.requireNonNull(QueriesEndpoint.class.getAnnotation(Endpoint.class), "@Endpoint");
        this.access = resolver.accessFor(EndpointId.of(endpoint.id()), endpoint.defaultAccess());
    }

    @Override
    public boolean showsValues(HttpServletRequest request) {
        return show.isShown(new RequestSecurityContext(request), roles);
    }

    @Override
    public Optional<String> refusesWrites(HttpServletRequest request) {
        if (access != Access.UNRESTRICTED) {
            return Optional.of("the queries endpoint's access is " + access.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-') + " (management.endpoint.queries.access, management.endpoints.access.default"
                    + " or .max-permitted): its write operations, and the page's, are not permitted");
        }
        return DevtoolsAccess.refusesRoles(request, roles);
    }

    /** The caller as the servlet container (and Spring Security, which wraps the request) knows it. */
    private record RequestSecurityContext(HttpServletRequest request) implements SecurityContext {

        @Override
        public @Nullable Principal getPrincipal() {
            return request.getUserPrincipal();
        }

        @Override
        public boolean isUserInRole(String role) {
            return request.isUserInRole(role);
        }
    }
}
