package dev.stackquery.spring.boot.devtools;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QuerySnapshot;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The devtools page and its JSON: {@code GET /stackquery} (the page), {@code GET /stackquery/api/queries} (every
 * query, never with values) and {@code POST /stackquery/api/actions} with {@code {"action": "invalidate" |
 * "refetch" | "remove", "key": "<canonical key>"}}. The page polls the list once a second.
 */
final class DevtoolsRoutes {

    /** The list the page polls. */
    record Listing(Instant now, int count, List<QueryDescriptor> queries) {
    }

    /** An action the page asks for. */
    record ActionRequest(String action, String key) {
    }

    private final QueryClient client;
    private final ClassPathResource page = new ClassPathResource("dev/stackquery/spring/boot/devtools/index.html");

    DevtoolsRoutes(QueryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET("/stackquery", request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).body(page))
                .GET("/stackquery/api/queries", request -> ServerResponse.ok().body(listing()))
                .POST("/stackquery/api/actions", this::act)
                .build();
    }

    Listing listing() {
        List<QueryDescriptor> queries = new ArrayList<>();
        for (QuerySnapshot snapshot : client.findAll(QueryFilter.all())) {
            queries.add(QueryDescriptor.of(snapshot, false));
        }
        queries.sort(Comparator.comparing(QueryDescriptor::key));
        return new Listing(Instant.now(), queries.size(), queries);
    }

    private ServerResponse act(ServerRequest request) throws Exception {
        ActionRequest action = request.body(ActionRequest.class);
        QueryKey key;
        try {
            key = QueryKey.parse(Objects.requireNonNull(action.key(), "key"));
        } catch (IllegalArgumentException | NullPointerException e) {
            return ServerResponse.badRequest().body(Map.of("error", "'key' is not a canonical query key: "
                    + e.getMessage()));
        }
        QueryFilter exact = QueryFilter.exact(key);
        String name = action.action() == null ? "" : action.action().toLowerCase(Locale.ROOT);
        switch (name) {
            case "invalidate" -> client.invalidateQueries(exact);
            case "refetch" -> client.refetchQueries(exact);
            case "remove" -> client.removeQueries(exact);
            default -> {
                return ServerResponse.badRequest().body(Map.of("error",
                        "'action' must be invalidate, refetch or remove; was '" + action.action() + "'"));
            }
        }
        return ServerResponse.ok().body(Map.of("action", name, "key", key.canonical()));
    }
}
