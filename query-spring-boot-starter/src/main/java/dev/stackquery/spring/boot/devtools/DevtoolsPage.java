package dev.stackquery.spring.boot.devtools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The page and its script and style sheet, read from the classpath once. When a CSRF filter (Spring Security's) put
 * a token into the request, the page carries it in two meta tags, and the script sends it with every write, so that
 * the page works behind Spring Security's default CSRF protection.
 */
final class DevtoolsPage {

    static final String LOCATION = "dev/stackquery/spring/boot/devtools/";
    static final String PAGE = LOCATION + "index.html";
    static final String SCRIPT = LOCATION + "devtools.js";
    static final String STYLE = LOCATION + "devtools.css";
    /** Where the page wants the CSRF meta tags. */
    private static final String CSRF_PLACEHOLDER = "<!-- csrf -->";
    /** The request attribute Spring Security's CsrfFilter sets. */
    private static final String CSRF_ATTRIBUTE = "_csrf";
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    private final String page = read(PAGE);
    private final String script = read(SCRIPT);
    private final String style = read(STYLE);

    ServerResponse page(ServerRequest request) {
        return ServerResponse.ok().contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noStore()).body(page.replace(CSRF_PLACEHOLDER,
                        csrf(request.servletRequest())));
    }

    ServerResponse script(ServerRequest request) {
        return ServerResponse.ok().contentType(new MediaType("text", "javascript", StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noCache()).body(script);
    }

    ServerResponse style(ServerRequest request) {
        return ServerResponse.ok().contentType(new MediaType("text", "css", StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noCache()).body(style);
    }

    /** The meta tags of the request's CSRF token, or nothing when it has none. */
    static String csrf(HttpServletRequest request) {
        Object token = request.getAttribute(CSRF_ATTRIBUTE);
        if (token == null) {
            return "";
        }
        String header = call(token, "getHeaderName");
        String value = call(token, "getToken");
        if (header == null || value == null || !HEADER_NAME.matcher(header).matches()) {
            return "";
        }
        return "<meta name=\"csrf-header\" content=\"" + header + "\">\n<meta name=\"csrf-token\" content=\""
                + escape(value) + "\">";
    }

    /** Spring Security's CsrfToken, read without depending on it: a public method through a public type. */
    private static @Nullable String call(Object target, String name) {
        try {
            Method method = ClassUtils.getPubliclyAccessibleMethodIfPossible(target.getClass().getMethod(name),
                    target.getClass());
            Object value = method.invoke(target);
            return value instanceof String text ? text : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String read(String location) {
        try (InputStream in = new ClassPathResource(location, DevtoolsPage.class.getClassLoader()).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location + " from the starter's jar", e);
        }
    }
}
