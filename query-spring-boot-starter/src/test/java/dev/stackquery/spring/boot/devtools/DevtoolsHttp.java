package dev.stackquery.spring.boot.devtools;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Real HTTP calls to the devtools API of an application on 127.0.0.1, with request headers (a test user, say). */
final class DevtoolsHttp {

    /** A status, a content type and a body. */
    record Answer(int status, String contentType, String body) {

        JsonNode json() {
            return MAPPER.readTree(body);
        }
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpClient client;
    private final String base;
    private final String[] headers;

    DevtoolsHttp(int port, String... headers) {
        this(CLIENT, "http://127.0.0.1:" + port, headers.clone());
    }

    private DevtoolsHttp(HttpClient client, String base, String[] headers) {
        this.client = client;
        this.base = base;
        this.headers = headers;
    }

    /** The same application, called with {@code headers} (name, value, name, value...) as well. */
    DevtoolsHttp with(String... more) {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(headers, 0, all, 0, headers.length);
        System.arraycopy(more, 0, all, headers.length, more.length);
        return new DevtoolsHttp(client, base, all);
    }

    /** The same application, called by a client of its own that keeps cookies, as a browser keeps a session. */
    DevtoolsHttp withSession() {
        return new DevtoolsHttp(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .cookieHandler(new CookieManager()).build(), base, headers);
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** The detail of the query of {@code canonicalKey}. */
    Answer detail(String canonicalKey) {
        return get("/stackquery/api/query?key=" + encode(canonicalKey));
    }

    Answer post(String path, String json) {
        return post(path, json, "application/json");
    }

    Answer post(String path, String body, String contentType) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Asks the page's action endpoint for {@code action} on {@code canonicalKey}. */
    Answer act(String action, String canonicalKey) {
        return post("/stackquery/api/actions", "{\"action\":\"" + action + "\",\"key\":"
                + MAPPER.writeValueAsString(canonicalKey) + "}");
    }

    private Answer send(HttpRequest.Builder request) {
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
