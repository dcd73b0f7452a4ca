package dev.stackquery.sample;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * For the browser tests: a filter that does to the devtools page's writes what Spring Security's CSRF protection does
 * (a token in the {@code _csrf} request attribute; a POST without it in the header is refused), so that the tests
 * show the page's buttons work behind it.
 */
@TestConfiguration(proxyBeanMethods = false)
class DevtoolsBrowserSecurity {

    static final String HEADER = "X-CSRF-TOKEN";
    static final String TOKEN = "browser-test-token";

    /** What Spring Security's CsrfToken offers, as the page reads it. */
    public static final class CsrfToken {
        public String getHeaderName() {
            return HEADER;
        }

        public String getToken() {
            return TOKEN;
        }
    }

    @Bean
    Filter devtoolsCsrfFilter() {
        return (request, response, chain) -> {
            HttpServletRequest http = (HttpServletRequest) request;
            http.setAttribute("_csrf", new CsrfToken());
            if (http.getMethod().equals("POST") && http.getRequestURI().startsWith("/stackquery/")
                    && !TOKEN.equals(http.getHeader(HEADER))) {
                ((HttpServletResponse) response).sendError(403, "CSRF token missing");
                return;
            }
            chain.doFilter(request, response);
        };
    }
}
