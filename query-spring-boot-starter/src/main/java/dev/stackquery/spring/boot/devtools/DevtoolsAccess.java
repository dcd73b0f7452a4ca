package dev.stackquery.spring.boot.devtools;

import java.util.Optional;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What a caller of the devtools page may see and change. The page follows the {@code queries} endpoint: values
 * (cached data, and error messages, which may quote it) as {@code stackquery.actuator.show-values} allows, and
 * writes only where the endpoint's write operations are permitted. Implementations are thread-safe.
 */
interface DevtoolsAccess {

    /** Whether cached values and error messages are shown to the caller of {@code request}. */
    boolean showsValues(HttpServletRequest request);

    /** Why the caller of {@code request} may not change the cache; empty when it may. */
    Optional<String> refusesWrites(HttpServletRequest request);

    /**
     * Access without Actuator on the classpath, so with neither endpoint access settings nor {@code show-values}
     * rules to follow: values are never shown, and writes are refused only by {@code roles}.
     */
    static DevtoolsAccess withoutActuator(Set<String> roles) {
        Set<String> required = Set.copyOf(roles);
        return new DevtoolsAccess() {
            @Override
            public boolean showsValues(HttpServletRequest request) {
                return false;
            }

            @Override
            public Optional<String> refusesWrites(HttpServletRequest request) {
                return refusesRoles(request, required);
            }
        };
    }

    /**
     * The refusal of a caller who does not have one of {@code roles} ({@code stackquery.actuator.roles}); empty when
     * no role is configured or the caller has one.
     */
    static Optional<String> refusesRoles(HttpServletRequest request, Set<String> roles) {
        if (roles.isEmpty()) {
            return Optional.empty();
        }
        if (request.getUserPrincipal() == null) {
            return Optional.of("changing queries needs an authenticated caller with one of the roles in"
                    + " stackquery.actuator.roles " + roles);
        }
        for (String role : roles) {
            if (request.isUserInRole(role)) {
                return Optional.empty();
            }
        }
        return Optional.of("the caller has none of the roles in stackquery.actuator.roles " + roles);
    }
}
