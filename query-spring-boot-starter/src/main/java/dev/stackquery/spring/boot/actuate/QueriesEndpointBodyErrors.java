package dev.stackquery.spring.boot.actuate;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.core.Ordered;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Gives a body that is not a JSON object of texts, sent to the {@code queries} endpoint, the same 400 with a reason
 * ({@code {"error": "..."}}) as any other bad input there. Actuator reads the body before the endpoint runs, so
 * without this such a request gets the servlet's bare 400. Requests to any other path are left alone.
 */
public final class QueriesEndpointBodyErrors implements HandlerExceptionResolver, Ordered {

    private static final EndpointId QUERIES = EndpointId.of("queries");

    private final ObjectProvider<PathMappedEndpoints> endpoints;

    /** Resolves for the path the {@code queries} endpoint is mapped to in {@code endpoints}. */
    public QueriesEndpointBodyErrors(ObjectProvider<PathMappedEndpoints> endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
            @Nullable Object handler, Exception ex) {
        if (!(ex instanceof HttpMessageNotReadableException) || !isQueriesEndpoint(request)) {
            return null;
        }
        try {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            String message = "the body must be a JSON object of texts, such as"
                    + " {\"action\":\"invalidate\",\"prefix\":\"product\"} (a key is a text there:"
                    + " \"[\\\"product\\\",1]\"); it could not be read: " + reason(ex);
            response.getWriter().write("{\"error\":\"" + escape(message) + "\"}");
            response.flushBuffer();
        } catch (IOException e) {
            return null;
        }
        return new ModelAndView();
    }

    private boolean isQueriesEndpoint(HttpServletRequest request) {
        PathMappedEndpoints mapped = endpoints.getIfAvailable();
        String path = mapped == null ? null : mapped.getPath(QUERIES);
        if (path == null) {
            return false;
        }
        String uri = request.getRequestURI().substring(request.getContextPath().length());
        return uri.equals(path) || uri.startsWith(path + "/");
    }

    private static String reason(Exception ex) {
        Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int line = message.indexOf('\n');
        String first = line < 0 ? message : message.substring(0, line);
        return first.length() > 200 ? first.substring(0, 200) + "..." : first;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
