package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.devtools.DevtoolsRoutes.error;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

import dev.stackquery.QueryKey;

import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * {@code GET /stackquery/api/instances?key=<canonical key>}: the key's state on every live instance, as
 * {@link DevtoolsCluster.Instances} JSON. A missing, malformed or too long key is HTTP 400 {@code {"error": reason}};
 * too many keys asked about at once, 429. It only reads, but makes every instance look the key up, hence the bounds of
 * {@link DevtoolsCluster}. The request thread is not held while the other instances answer (an async response).
 */
final class DevtoolsClusterRoutes {

    private final DevtoolsCluster cluster;

    DevtoolsClusterRoutes(DevtoolsCluster cluster) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().GET("/stackquery/api/instances", this::instances).build();
    }

    private ServerResponse instances(ServerRequest request) {
        Optional<String> text = request.param("key");
        if (text.isEmpty() || text.get().isBlank()) {
            return error(HttpStatus.BAD_REQUEST, "'key' is required: a canonical query key such as [\"product\",1]");
        }
        QueryKey key;
        try {
            key = DevtoolsCluster.parseKey(text.get());
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage());
        }
        CompletableFuture<ServerResponse> response = cluster.instances(key).handle((view, failure) -> {
            if (failure == null) {
                return ServerResponse.ok().body(view);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof RejectedExecutionException busy) {
                return error(HttpStatus.TOO_MANY_REQUESTS, busy.getMessage());
            }
            throw new CompletionException(cause);
        });
        return ServerResponse.async(response);
    }
}
