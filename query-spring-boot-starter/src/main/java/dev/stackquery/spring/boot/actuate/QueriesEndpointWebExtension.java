package dev.stackquery.spring.boot.actuate;

import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The {@code queries} endpoint over HTTP: bad input becomes 400 with {@code {"error": "..."}} as the body, whatever
 * the application's {@code server.error.include-message} says, an unknown key 404.
 */
@EndpointWebExtension(endpoint = QueriesEndpoint.class)
public class QueriesEndpointWebExtension {

    private final QueriesEndpoint delegate;

    /** The extension of {@code delegate}. */
    public QueriesEndpointWebExtension(QueriesEndpoint delegate) {
        this.delegate = delegate;
    }

    @ReadOperation
    public WebEndpointResponse<Object> queries(SecurityContext securityContext, @Nullable String prefix,
            @Nullable String key, @Nullable String status) {
        return answer(() -> delegate.queries(securityContext, prefix, key, status));
    }

    @ReadOperation
    public WebEndpointResponse<Object> query(SecurityContext securityContext, @Selector String key) {
        return answer(() -> delegate.query(securityContext, key));
    }

    @WriteOperation
    public WebEndpointResponse<Object> act(@Nullable String action, @Nullable String prefix, @Nullable String key) {
        return answer(() -> delegate.act(action, prefix, key));
    }

    @WriteOperation
    public WebEndpointResponse<Object> actOnKey(@Selector String key, @Nullable String action) {
        return answer(() -> delegate.actOnKey(key, action));
    }

    @DeleteOperation
    public WebEndpointResponse<Object> remove(@Selector String key) {
        return answer(() -> delegate.remove(key));
    }

    @DeleteOperation
    public WebEndpointResponse<Object> removeAll(@Nullable String prefix, @Nullable String key) {
        return answer(() -> delegate.removeAll(prefix, key));
    }

    private static WebEndpointResponse<Object> answer(Supplier<@Nullable Object> operation) {
        try {
            Object body = operation.get();
            return body == null ? new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND)
                    : new WebEndpointResponse<>(body);
        } catch (InvalidEndpointRequestException e) {
            return new WebEndpointResponse<>(Map.of("error", e.getMessage()), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
    }
}
