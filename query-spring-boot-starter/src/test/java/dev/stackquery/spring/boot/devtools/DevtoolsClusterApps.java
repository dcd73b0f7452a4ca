package dev.stackquery.spring.boot.devtools;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QueryState;
import dev.stackquery.redis.RedisProcess;
import dev.stackquery.spring.boot.actuate.Http;

import org.junit.jupiter.api.Assumptions;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Instances of a bare web application with the devtools page on, as several instances of one service: each a Spring
 * Boot application with a real server on a free 127.0.0.1 port, all on one real Redis (a {@code redis-server} this
 * fixture starts on a free loopback port, no Docker). For the tests of the instances view, and for browser tests of
 * the devtools page, which reach it through the starter's test-jar:
 *
 * <pre>{@code
 * try (DevtoolsClusterApps apps = DevtoolsClusterApps.startTwo()) {   // the test is skipped without redis-server
 *     apps.client("b").setQueryData(QueryKey.of("product", 1), "pen");
 *     open("http://127.0.0.1:" + apps.port("a") + "/stackquery");             // "a" and "b" on one page
 * }
 * }</pre>
 *
 * Instance {@code id} gets {@code stackquery.devtools.cluster.instance-id=id}, {@code spring.application.name=id} and
 * the key prefix {@link #KEY_PREFIX} unless its properties say otherwise (later properties win). Not thread-safe.
 */
public final class DevtoolsClusterApps implements AutoCloseable {

    /** The key prefix, and so the devtools channel, of the instances unless they are given another. */
    public static final String KEY_PREFIX = "devtools-cluster:";

    private final RedisProcess redis;
    private final Map<String, ConfigurableApplicationContext> apps = new LinkedHashMap<>();

    private DevtoolsClusterApps(RedisProcess redis) {
        this.redis = redis;
    }

    /**
     * A fixture with a {@code redis-server} of its own and no instance yet; the calling test is skipped (a JUnit
     * assumption) when the machine has none.
     */
    public static DevtoolsClusterApps withOwnRedis() {
        RedisProcess redis;
        try {
            redis = RedisProcess.startIfAvailable();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server did not start", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Assumptions.assumeTrue(redis != null, "SKIPPED: no redis-server on PATH; install redis-server (apt-get install"
                + " redis-server) to run the devtools cluster tests");
        return new DevtoolsClusterApps(redis);
    }

    /** Instances "a" and "b", each with {@code properties}, on a {@code redis-server} of its own (or skipped). */
    public static DevtoolsClusterApps startTwo(String... properties) {
        DevtoolsClusterApps apps = withOwnRedis();
        apps.start("a", properties);
        apps.start("b", properties);
        return apps;
    }

    /** Starts instance {@code id} of the bare application on this fixture's Redis. */
    public ConfigurableApplicationContext start(String id, String... properties) {
        return start(App.class, id, properties);
    }

    /** Starts instance {@code id} of {@code application} (the sample's, say) on this fixture's Redis. */
    public ConfigurableApplicationContext start(Class<?> application, String id, String... properties) {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(id, "id");
        if (apps.containsKey(id)) {
            throw new IllegalStateException("instance " + id + " is running already");
        }
        List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
                "spring.main.banner-mode=off", "spring.application.name=" + id,
                "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
                "management.health.redis.enabled=false", "stackquery.storage.key-prefix=" + KEY_PREFIX,
                "stackquery.devtools.enabled=true", "stackquery.devtools.cluster.instance-id=" + id));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .properties(all.toArray(String[]::new)).run();
        apps.put(id, context);
        return context;
    }

    /** Closes instance {@code id}'s context, as a stopped instance; it stays known to the others for a while. */
    public void stop(String id) {
        ConfigurableApplicationContext context = apps.remove(id);
        if (context != null) {
            context.close();
        }
    }

    /** Instance {@code id}'s context. */
    public ConfigurableApplicationContext context(String id) {
        ConfigurableApplicationContext context = apps.get(id);
        if (context == null) {
            throw new IllegalArgumentException("no running instance " + id + "; running: " + apps.keySet());
        }
        return context;
    }

    /** Instance {@code id}'s HTTP port on 127.0.0.1. */
    public int port(String id) {
        return Integer.parseInt(context(id).getEnvironment().getRequiredProperty("local.server.port"));
    }

    /** HTTP calls to instance {@code id}. */
    public Http http(String id) {
        return new Http(port(id));
    }

    /** Instance {@code id}'s client. */
    public QueryClient client(String id) {
        return context(id).getBean(QueryClient.class);
    }

    /** The Redis port on 127.0.0.1. */
    public int redisPort() {
        return redis.port();
    }

    /** {@code GET /stackquery/api/instances} of {@code key} on instance {@code asking}; it must answer 200. */
    public JsonNode instances(String asking, QueryKey key) {
        Http.Answer answer = http(asking).get("/stackquery/api/instances?key=" + Http.encode(key.canonical()));
        if (answer.status() != 200) {
            throw new AssertionError("instances of " + key + " on " + asking + ": " + answer.status() + " "
                    + answer.body());
        }
        return answer.json();
    }

    /** Instance {@code id}'s entry in an instances view, or null when it is not listed. */
    public static JsonNode entry(JsonNode view, String id) {
        for (JsonNode instance : view.get("instances")) {
            if (instance.get("instance").asString().equals(id)) {
                return instance;
            }
        }
        return null;
    }

    /** The fixture's {@code redis-server}, to stop and start again (same port). */
    public RedisProcess redis() {
        return redis;
    }

    /** Closes every instance, then stops Redis. */
    @Override
    public void close() {
        try {
            for (String id : List.copyOf(apps.keySet())) {
                stop(id);
            }
        } finally {
            try {
                redis.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A bare application: everything it has comes from auto-configuration, as in a user's service. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
    static class App {
    }

    /** Options of {@code key} whose function counts its calls in {@code calls}: typed (so L2 holds it), fresh 5 minutes. */
    public static QueryOptions<String> options(QueryKey key, AtomicInteger calls) {
        return QueryOptions.<String>builder(key, ctx -> "pen #" + calls.incrementAndGet()).type(String.class)
                .staleTime(Duration.ofMinutes(5)).build();
    }

    /**
     * Leaves {@code key} fresh on {@code fresh} and invalidated on {@code invalidated}: both fetch it, {@code fresh}
     * invalidates it (which reaches the other through the bus) and refetches; the other, unobserved, keeps its copy.
     */
    public void freshHereInvalidatedThere(QueryKey key, String fresh, String invalidated, AtomicInteger calls) {
        QueryClient here = client(fresh);
        QueryClient there = client(invalidated);
        here.fetchQuery(options(key, calls)).join();
        there.fetchQuery(options(key, calls)).join();
        here.invalidateQueries(QueryFilter.exact(key)).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> there.getQueryState(key).orElseThrow().invalidated());
        here.fetchFreshQuery(options(key, calls)).join();
    }

    /** When the data of {@code key} on instance {@code id} was fetched. */
    public Instant dataUpdatedAt(String id, QueryKey key) {
        return client(id).<String>getQueryState(key).map(QueryState::dataUpdatedAt).orElseThrow();
    }
}
