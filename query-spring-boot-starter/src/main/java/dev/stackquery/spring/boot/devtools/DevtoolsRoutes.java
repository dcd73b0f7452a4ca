package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.actuate.QueryDescriptor.lower;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import dev.stackquery.FetchStatus;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QuerySnapshot;
import dev.stackquery.QueryStatus;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The devtools page and its JSON, under {@code /stackquery}:
 * <ul>
 * <li>{@code GET /stackquery} the page ({@code devtools.js} and {@code devtools.css} next to it);
 * <li>{@code GET /stackquery/api/queries} every query, never with values;
 * <li>{@code GET /stackquery/api/query?key=} one query in detail ({@link QueryDetails.Detail}), 404 when not in L1;
 * <li>{@code GET /stackquery/api/events?key=&q=&type=&limit=} the newest cache events, newest first: of exactly
 * {@code key}, of keys containing {@code q}, of the comma-separated {@code type}s;
 * <li>{@code GET /stackquery/api/stats} counts per second over the last five minutes, fetch durations per key tag
 * and queries by status, for the charts;
 * <li>{@code POST /stackquery/api/actions} with {@code {"action": ..., "key": "<canonical key>"}}: invalidate,
 * refetch, reset, remove, and with {@code stackquery.devtools.state-controls=true} force-loading, force-error and
 * restore. Refused (403, with the reason) where the {@code queries} endpoint's writes are not permitted.
 * </ul>
 * Malformed input gets 400 with {@code {"error": reason}}, and changes nothing.
 */
final class DevtoolsRoutes {

    /** The list the page polls. */
    record Listing(Instant now, int count, List<QueryDescriptor> queries, boolean writes,
            @Nullable String writesRefused) {
    }

    /** An action the page asks for. */
    record ActionRequest(@Nullable String action, @Nullable String key) {
    }

    /** What an action did; {@code result} says more for restore ({@code restored} or {@code refetched}). */
    record ActionResult(String action, String key, @Nullable String result) {
    }

    /** The newest events: {@code recorded} counts every event recorded, kept or not. */
    record Events(int capacity, long recorded, int count, List<String> types, List<TimelineEvent> events) {
    }

    /**
     * What the charts draw: {@code series} has one count per second from {@code firstSecond} to {@code lastSecond}
     * (epoch seconds); {@code statuses} counts queries by status, {@code fetching} those whose function runs.
     */
    record Stats(Instant now, long firstSecond, long lastSecond, TrafficStats.Series series,
            List<TrafficStats.Latency> latency, Map<String, Integer> statuses, int fetching, int queries) {
    }

    /** Events a request returns when it names no limit. */
    static final int DEFAULT_LIMIT = 100;
    private static final List<String> ACTIONS = List.of("invalidate", "refetch", "reset", "remove");
    private static final List<String> STATE_ACTIONS = List.of("force-loading", "force-error", "restore");
    private static final String ACTION_EXAMPLE =
            "the body must be JSON such as {\"action\":\"invalidate\",\"key\":\"[\\\"product\\\",1]\"}";

    private final QueryClient client;
    private final DevtoolsRecorder recorder;
    private final DevtoolsAccess access;
    private final QueryDetails details;
    private final StateControls stateControls;
    private final boolean stateControlsOn;
    private final DevtoolsPage page = new DevtoolsPage();

    DevtoolsRoutes(QueryClient client, DevtoolsRecorder recorder, DevtoolsAccess access, QueryDetails details,
            StateControls stateControls, boolean stateControlsOn) {
        this.client = Objects.requireNonNull(client, "client");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.access = Objects.requireNonNull(access, "access");
        this.details = Objects.requireNonNull(details, "details");
        this.stateControls = Objects.requireNonNull(stateControls, "stateControls");
        this.stateControlsOn = stateControlsOn;
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET("/stackquery", page::page)
                .GET("/stackquery/devtools.js", page::script)
                .GET("/stackquery/devtools.css", page::style)
                .GET("/stackquery/api/queries", request -> ServerResponse.ok().body(
                        listing(access.refusesWrites(request.servletRequest()))))
                .GET("/stackquery/api/query", this::detail)
                .GET("/stackquery/api/events", this::events)
                .GET("/stackquery/api/stats", request -> ServerResponse.ok().body(stats()))
                .POST("/stackquery/api/actions", this::act)
                .onError(BadRequest.class, (e, request) -> error(HttpStatus.BAD_REQUEST, e.getMessage()))
                .onError(HttpMessageNotReadableException.class, (e, request) -> error(HttpStatus.BAD_REQUEST,
                        ACTION_EXAMPLE))
                .onError(HttpMediaTypeNotSupportedException.class, (e, request) -> error(
                        HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json; " + ACTION_EXAMPLE))
                .build();
    }

    /** Every query, and whether this caller may use the actions (the page greys its buttons otherwise). */
    Listing listing(Optional<String> writesRefused) {
        List<QueryDescriptor> queries = new ArrayList<>();
        for (QuerySnapshot snapshot : client.findAll(QueryFilter.all())) {
            queries.add(QueryDescriptor.of(snapshot, false));
        }
        queries.sort(Comparator.comparing(QueryDescriptor::key));
        return new Listing(client.clock().instant(), queries.size(), queries, writesRefused.isEmpty(),
                writesRefused.orElse(null));
    }

    private ServerResponse detail(ServerRequest request) {
        QueryKey key = key(request.param("key").orElse(null));
        boolean values = access.showsValues(request.servletRequest());
        return details.detail(key, values, access.refusesWrites(request.servletRequest()))
                .map(detail -> ServerResponse.ok().body(detail))
                .orElseGet(() -> error(HttpStatus.NOT_FOUND, "no query " + key.canonical() + " in L1"));
    }

    private ServerResponse events(ServerRequest request) {
        Optional<String> keyParam = request.param("key").filter(k -> !k.isBlank());
        QueryKey key = keyParam.isPresent() ? key(keyParam.get()) : null;
        String text = request.param("q").map(q -> q.trim().toLowerCase(Locale.ROOT)).orElse("");
        Set<String> types = types(request.param("type").orElse(""));
        int limit = limit(request.param("limit").orElse(null), recorder.events().capacity());
        Predicate<EventLog.Entry> wanted = entry -> (key == null || key.equals(entry.event().key()))
                && (types.isEmpty() || types.contains(entry.event().getClass().getSimpleName()))
                && (text.isEmpty() || entry.event().key().canonical().toLowerCase(Locale.ROOT).contains(text));
        boolean values = access.showsValues(request.servletRequest());
        List<TimelineEvent> found = recorder.events().newest(wanted, limit).stream()
                .map(entry -> TimelineEvent.of(entry, values)).toList();
        return ServerResponse.ok().body(new Events(recorder.events().capacity(), recorder.events().added(),
                found.size(), TimelineEvent.TYPES, found));
    }

    Stats stats() {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (QueryStatus status : QueryStatus.values()) {
            statuses.put(lower(status), 0);
        }
        int fetching = 0;
        List<QuerySnapshot> all = client.findAll(QueryFilter.all());
        for (QuerySnapshot snapshot : all) {
            statuses.merge(lower(snapshot.state().status()), 1, Integer::sum);
            if (snapshot.state().fetchStatus() == FetchStatus.FETCHING) {
                fetching++;
            }
        }
        long now = recorder.clock().millis();
        TrafficStats.Snapshot traffic = recorder.stats().snapshot(now);
        return new Stats(Instant.ofEpochMilli(now), traffic.firstSecond(), traffic.lastSecond(), traffic.series(),
                traffic.latency(), statuses, fetching, all.size());
    }

    private ServerResponse act(ServerRequest request) throws Exception {
        Optional<String> refused = access.refusesWrites(request.servletRequest());
        if (refused.isPresent()) {
            return error(HttpStatus.FORBIDDEN, refused.get());
        }
        ActionRequest body = request.body(ActionRequest.class);
        if (body == null) {
            throw new BadRequest(ACTION_EXAMPLE);
        }
        QueryKey key = key(body.key());
        String action = body.action() == null ? "" : body.action().trim().toLowerCase(Locale.ROOT);
        if (STATE_ACTIONS.contains(action) && !stateControlsOn) {
            return error(HttpStatus.FORBIDDEN, "'" + action + "' needs stackquery.devtools.state-controls=true");
        }
        QueryFilter exact = QueryFilter.exact(key);
        String result = null;
        switch (action) {
            case "invalidate" -> client.invalidateQueries(exact);
            case "refetch" -> client.refetchQueries(exact);
            case "reset" -> client.resetQueries(exact);
            case "remove" -> client.removeQueries(exact);
            case "force-loading", "force-error" -> {
                boolean forced = action.equals("force-loading") ? stateControls.forceLoading(key)
                        : stateControls.forceError(key);
                if (!forced) {
                    return error(HttpStatus.NOT_FOUND, "no query " + key.canonical() + " in L1");
                }
            }
            case "restore" -> result = lower(stateControls.restore(key));
            default -> throw new BadRequest("'action' must be one of " + String.join(", ", ACTIONS)
                    + (stateControlsOn ? ", " + String.join(", ", STATE_ACTIONS) : "") + "; was '" + body.action()
                    + "'");
        }
        return ServerResponse.ok().body(new ActionResult(action, key.canonical(), result));
    }

    private static QueryKey key(@Nullable String text) {
        if (text == null || text.isBlank()) {
            throw new BadRequest("'key' is required: a query key in canonical JSON, such as [\"product\",1]");
        }
        QueryKey key;
        try {
            key = QueryKey.parse(text.trim());
        } catch (IllegalArgumentException e) {
            throw new BadRequest("'key' is not a canonical query key (a JSON array such as [\"product\",1]): "
                    + e.getMessage());
        }
        if (key.size() == 0) {
            throw new BadRequest("'key' must have at least one part; [] names no query");
        }
        return key;
    }

    private static Set<String> types(String text) {
        Set<String> wanted = new TreeSet<>();
        for (String part : text.split(",")) {
            String type = part.trim();
            if (type.isEmpty()) {
                continue;
            }
            String known = TimelineEvent.TYPES.stream().filter(t -> t.equalsIgnoreCase(type)).findFirst()
                    .orElseThrow(() -> new BadRequest("unknown event type '" + type + "'; known: "
                            + String.join(", ", TimelineEvent.TYPES)));
            wanted.add(known);
        }
        return wanted;
    }

    private static int limit(@Nullable String text, int capacity) {
        if (text == null || text.isBlank()) {
            return Math.min(DEFAULT_LIMIT, capacity);
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit < 1) {
                throw new BadRequest("'limit' must be at least 1, was " + limit);
            }
            return Math.min(limit, capacity);
        } catch (NumberFormatException e) {
            throw new BadRequest("'limit' must be a whole number, was '" + text + "'");
        }
    }

    /** The console's refusal: {@code status} with {@code {"error": reason}}. */
    static ServerResponse error(HttpStatus status, @Nullable String reason) {
        return ServerResponse.status(status).body(Map.of("error", String.valueOf(reason)));
    }

    /** Malformed input: answered with 400 and the message. */
    static final class BadRequest extends RuntimeException {

        @java.io.Serial
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
