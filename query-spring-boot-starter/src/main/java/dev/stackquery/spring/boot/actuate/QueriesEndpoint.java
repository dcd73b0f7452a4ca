package dev.stackquery.spring.boot.actuate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QuerySnapshot;
import dev.stackquery.QueryStatus;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code queries} endpoint: lists the queries in L1, shows one, and invalidates, refetches, resets or removes
 * them by exact key or by prefix.
 *
 * <p>Keys are written in their canonical JSON form ({@code ["user",42]}, URL-encoded in a path); a plain word
 * ({@code user}) is read as the one-part key {@code ["user"]}. Cached values are shown only when
 * {@code stackquery.actuator.show-values} allows. Bad input (a malformed key, an unknown status or action) is
 * rejected before anything changes, which Actuator turns into HTTP 400.
 */
@Endpoint(id = "queries")
public class QueriesEndpoint {

    /** What a write can do to the matched queries. */
    public enum Action {
        /** Marks them stale; observed ones refetch. */
        INVALIDATE,
        /** Fetches them again now. */
        REFETCH,
        /** Drops their data back to the initial state. */
        RESET
    }

    /** What may stand for a one-part key without JSON: a plain word, never something that looks like a list. */
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_.:-]+");

    private final QueryClient client;
    private final Show showValues;
    private final Set<String> roles;

    /** An endpoint over {@code client} that shows values as {@code showValues} says, to {@code roles}. */
    public QueriesEndpoint(QueryClient client, Show showValues, Set<String> roles) {
        this.client = Objects.requireNonNull(client, "client");
        this.showValues = Objects.requireNonNull(showValues, "showValues");
        this.roles = Set.copyOf(roles);
    }

    /**
     * Every query, or those under {@code prefix} (or of exactly {@code key}: at most one of the two) and/or with
     * {@code status}, sorted by key.
     */
    @ReadOperation
    public QueriesDescriptor queries(SecurityContext securityContext, @Nullable String prefix, @Nullable String key,
            @Nullable String status) {
        if (prefix != null && key != null) {
            throw new InvalidEndpointRequestException("give 'prefix' or 'key' (or neither, for every query), not both",
                    "both prefix and key");
        }
        QueryFilter filter = prefix != null ? QueryFilter.prefix(key(prefix, "prefix"))
                : key != null ? QueryFilter.exact(key(key, "key")) : QueryFilter.all();
        QueryStatus wanted = status == null ? null : status(status);
        boolean values = showValues.isShown(securityContext, roles);
        List<QueryDescriptor> found = new ArrayList<>();
        for (QuerySnapshot snapshot : client.findAll(filter)) {
            if (wanted == null || snapshot.state().status() == wanted) {
                found.add(QueryDescriptor.of(snapshot, values));
            }
        }
        found.sort(Comparator.comparing(QueryDescriptor::key));
        return new QueriesDescriptor(found.size(), found);
    }

    /** The query of {@code key}, or nothing (404) when L1 does not hold it. */
    @ReadOperation
    public @Nullable QueryDescriptor query(SecurityContext securityContext, @Selector String key) {
        List<QuerySnapshot> found = client.findAll(QueryFilter.exact(key(key, "key")));
        return found.isEmpty() ? null
                : QueryDescriptor.of(found.get(0), showValues.isShown(securityContext, roles));
    }

    /** Applies {@code action} to the queries under {@code prefix} or of exactly {@code key} (one of the two). */
    @WriteOperation
    public ActionDescriptor act(@Nullable String action, @Nullable String prefix, @Nullable String key) {
        requireOneOf(prefix, key);
        Action what = action(action);
        return prefix != null ? apply(what, key(prefix, "prefix"), true) : apply(what, key(key, "key"), false);
    }

    /** Applies {@code action} to the query of {@code key}. */
    @WriteOperation
    public ActionDescriptor actOnKey(@Selector String key, @Nullable String action) {
        Action what = action(action);
        return apply(what, key(key, "key"), false);
    }

    /** Removes the query of {@code key} from L1 and L2. */
    @DeleteOperation
    public ActionDescriptor remove(@Selector String key) {
        return apply("remove", key(key, "key"), false, client::removeQueries);
    }

    /** Removes the queries under {@code prefix}, or the query of exactly {@code key} (one of the two), from L1 and L2. */
    @DeleteOperation
    public ActionDescriptor removeAll(@Nullable String prefix, @Nullable String key) {
        requireOneOf(prefix, key);
        return prefix != null ? apply("remove", key(prefix, "prefix"), true, client::removeQueries)
                : apply("remove", key(key, "key"), false, client::removeQueries);
    }

    private static void requireOneOf(@Nullable String prefix, @Nullable String key) {
        if ((prefix == null) == (key == null)) {
            throw new InvalidEndpointRequestException("give either 'prefix' or 'key', not " + (prefix == null
                    ? "neither" : "both") + " (such as ?prefix=product or ?key=[\"product\",1])",
                    "either prefix or key");
        }
    }

    private ActionDescriptor apply(Action action, QueryKey target, boolean prefix) {
        Function<QueryFilter, CompletableFuture<Void>> change = switch (action) {
            case INVALIDATE -> client::invalidateQueries;
            case REFETCH -> client::refetchQueries;
            case RESET -> client::resetQueries;
        };
        return apply(action.name().toLowerCase(Locale.ROOT), target, prefix, change);
    }

    /** Counts what {@code change} is about to touch, starts it (it need not finish) and says what was done. */
    private ActionDescriptor apply(String action, QueryKey target, boolean prefix,
            Function<QueryFilter, CompletableFuture<Void>> change) {
        QueryFilter filter = prefix ? QueryFilter.prefix(target) : QueryFilter.exact(target);
        int matched = client.findAll(filter).size();
        change.apply(filter);
        return new ActionDescriptor(action, target.canonical(), matched);
    }

    /** Reads a key given as canonical JSON, or a plain word as a one-part key. */
    static QueryKey key(String text, String parameter) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new InvalidEndpointRequestException("'" + parameter + "' must not be empty", "empty " + parameter);
        }
        if (!trimmed.startsWith("[")) {
            if (!PLAIN_WORD.matcher(trimmed).matches()) {
                throw new InvalidEndpointRequestException("'" + parameter + "' must be a query key in canonical JSON"
                        + " (such as [\"user\",42]) or a plain word (letters, digits, _ . : -); was '" + text + "'",
                        "malformed " + parameter);
            }
            return QueryKey.of(trimmed);
        }
        QueryKey parsed;
        try {
            parsed = QueryKey.parse(trimmed);
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException("'" + parameter + "' is not a query key (a JSON array such as"
                    + " [\"user\",42]): " + e.getMessage(), "malformed " + parameter);
        }
        if (parsed.size() == 0) {
            // As a prefix it would select every query: too easy to send by mistake for a removal.
            throw new InvalidEndpointRequestException("'" + parameter + "' must have at least one part; [] names no"
                    + " query (to list every query, leave the parameter out)", "empty " + parameter);
        }
        return parsed;
    }

    private static QueryStatus status(String status) {
        try {
            return QueryStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException("'status' must be one of idle, pending, success, error; was '"
                    + status + "'", "unknown status");
        }
    }

    private static Action action(@Nullable String action) {
        if (action == null) {
            throw new InvalidEndpointRequestException("the body needs an 'action': one of invalidate, refetch, reset"
                    + " (such as {\"action\":\"invalidate\",\"prefix\":\"product\"})", "missing action");
        }
        try {
            return Action.valueOf(action.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException("'action' must be one of invalidate, refetch, reset (use"
                    + " DELETE to remove); was '" + action + "'", "unknown action");
        }
    }

    /** The answer of a list read. */
    public record QueriesDescriptor(int count, List<QueryDescriptor> queries) {
    }

    /** The answer of a write or delete: what was done, to which key or prefix, and how many queries matched. */
    public record ActionDescriptor(String action, String target, int matched) {
    }
}
