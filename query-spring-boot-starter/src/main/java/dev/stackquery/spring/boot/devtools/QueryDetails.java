package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.actuate.QueryDescriptor.lower;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryDefaults;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryOptions;
import dev.stackquery.QuerySnapshot;
import dev.stackquery.QueryState;
import dev.stackquery.StorageBackend;
import dev.stackquery.StorageEntry;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.jspecify.annotations.Nullable;

/**
 * Everything the detail panel shows about one query: the endpoint's description of it (values as the caller may see
 * them), its options in effect, the last error's first stack lines, its L2 entry's age, its recent statuses from the
 * timeline, and what the caller may do to it.
 */
final class QueryDetails {

    /** How long the panel waits for the L2 entry before it says "unknown". */
    static final Duration L2_WAIT = Duration.ofMillis(500);
    /** Statuses of the history, at most. */
    static final int HISTORY = 50;
    private static final int FRAMES = 6;
    private static final int CAUSES = 3;

    /** One query in detail. */
    record Detail(QueryDescriptor query, boolean valuesShown, @Nullable Instant errorUpdatedAt,
            List<String> errorStack, String optionsSource, List<Option> options, L2 l2, List<StatusChange> history,
            Controls controls) {
    }

    /** An option in effect: {@code source} is {@code query} (the options the key was last fetched with) or {@code defaults}. */
    record Option(String name, String value, String source) {
    }

    /**
     * The L2 entry: {@code state} is {@code present}, {@code absent}, {@code unknown} (no answer within the wait, or
     * a failure, said in {@code reason}) or {@code none} (no L2 configured); {@code ageMs} is counted from the entry's
     * {@code dataUpdatedAt}.
     */
    record L2(String state, @Nullable String backend, @Nullable Instant dataUpdatedAt, @Nullable Long ageMs,
            @Nullable String reason) {
    }

    /** A status the query went through, from the timeline's {@code Updated} events. */
    record StatusChange(Instant time, String status, String fetchStatus, boolean invalidated, int failureCount) {
    }

    /**
     * What the caller may do: {@code writes} (invalidate, refetch, reset, remove) and, when {@code stateControls}
     * are on, force loading, force error and restore; {@code forced} says the state is one the devtools forced.
     */
    record Controls(boolean writes, @Nullable String writesRefused, boolean stateControls, boolean forced) {
    }

    private final QueryClient client;
    private final DevtoolsRecorder recorder;
    private final StateControls stateControls;
    private final boolean stateControlsOn;
    private final @Nullable StorageBackend storage;

    QueryDetails(QueryClient client, DevtoolsRecorder recorder, StateControls stateControls, boolean stateControlsOn,
            @Nullable StorageBackend storage) {
        this.client = Objects.requireNonNull(client, "client");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.stateControls = Objects.requireNonNull(stateControls, "stateControls");
        this.stateControlsOn = stateControlsOn;
        this.storage = storage;
    }

    /** The detail of {@code key}, or empty when it is not in L1. */
    Optional<Detail> detail(QueryKey key, boolean showValues, Optional<String> writesRefused) {
        List<QuerySnapshot> found = client.findAll(QueryFilter.exact(key));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        QuerySnapshot snapshot = found.get(0);
        QueryState<?> state = snapshot.state();
        Optional<QueryOptions<Object>> options = client.getQueryOptions(key);
        return Optional.of(new Detail(QueryDescriptor.of(snapshot, showValues), showValues, state.errorUpdatedAt(),
                stack(state.error(), showValues),
                options.isPresent() ? "the options of the last fetch" : "the client's defaults (no fetch recorded its"
                        + " options: the data was set, or read from L2)",
                options(options.orElse(null), client.defaults()), l2(key), history(key),
                new Controls(writesRefused.isEmpty(), writesRefused.orElse(null), stateControlsOn,
                        stateControls.isForced(key))));
    }

    static List<Option> options(@Nullable QueryOptions<?> options, QueryDefaults defaults) {
        List<Option> in = new ArrayList<>();
        in.add(option("staleTime", options == null ? Optional.empty() : options.staleTime(), defaults.staleTime()));
        in.add(option("gcTime", options == null ? Optional.empty() : options.gcTime(), defaults.gcTime()));
        Optional<Integer> retry = options == null ? Optional.empty() : options.retry();
        in.add(new Option("retry", String.valueOf(retry.orElse(defaults.retry())), source(retry)));
        Optional<Duration> timeout = options == null ? Optional.empty() : options.timeout();
        in.add(new Option("timeout", timeout.or(defaults::timeout).map(QueryDetails::format).orElse("none"),
                source(timeout)));
        Optional<Duration> interval = options == null ? Optional.empty() : options.refetchInterval();
        in.add(new Option("refetchInterval", interval.map(QueryDetails::format).orElse("none"),
                options == null ? "defaults" : "query"));
        in.add(new Option("enabled", String.valueOf(options == null || options.enabled()),
                options == null ? "defaults" : "query"));
        in.add(new Option("type", options == null ? "unknown" : options.type().map(Object::toString)
                .orElse("not declared"), options == null ? "defaults" : "query"));
        return in;
    }

    private static Option option(String name, Optional<Duration> set, Duration fallback) {
        return new Option(name, format(set.orElse(fallback)), source(set));
    }

    private static String source(Optional<?> set) {
        return set.isPresent() ? "query" : "defaults";
    }

    /** A duration in the largest whole unit: {@code 10s}, {@code 5m}, {@code 250ms}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The error's first stack lines and those of a few causes; messages only where values are shown. */
    static List<String> stack(@Nullable Throwable error, boolean showValues) {
        List<String> lines = new ArrayList<>();
        Throwable current = error;
        for (int depth = 0; current != null && depth <= CAUSES; depth++, current = current.getCause()) {
            lines.add((depth == 0 ? "" : "Caused by: ") + QueryDescriptor.describeError(current, showValues));
            StackTraceElement[] frames = current.getStackTrace();
            for (int i = 0; i < Math.min(FRAMES, frames.length); i++) {
                lines.add("    at " + frames[i]);
            }
            if (frames.length > FRAMES) {
                lines.add("    ... " + (frames.length - FRAMES) + " more");
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return lines;
    }

    private L2 l2(QueryKey key) {
        StorageBackend backend = storage;
        if (backend == null) {
            return new L2("none", null, null, null, "no L2 is configured");
        }
        try {
            Optional<StorageEntry> entry = backend.get(key).get(L2_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (entry.isEmpty()) {
                return new L2("absent", backend.name(), null, null, null);
            }
            Instant updated = entry.get().dataUpdatedAt();
            return new L2("present", backend.name(), updated,
                    Math.max(0, client.clock().millis() - updated.toEpochMilli()), null);
        } catch (TimeoutException e) {
            return new L2("unknown", backend.name(), null, null, "no answer within " + format(L2_WAIT));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new L2("unknown", backend.name(), null, null, "the read failed: " + cause.getClass().getName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new L2("unknown", backend.name(), null, null, "interrupted");
        } catch (RuntimeException e) {
            return new L2("unknown", backend.name(), null, null, "the read failed: " + e.getClass().getName());
        }
    }

    private List<StatusChange> history(QueryKey key) {
        List<StatusChange> history = new ArrayList<>();
        for (EventLog.Entry entry : recorder.events().newest(e -> e.event() instanceof QueryCacheEvent.Updated
                && e.event().key().equals(key), HISTORY)) {
            QueryState<?> state = ((QueryCacheEvent.Updated) entry.event()).state();
            history.add(new StatusChange(Instant.ofEpochMilli(entry.timeMillis()), lower(state.status()),
                    lower(state.fetchStatus()), state.invalidated(), state.failureCount()));
        }
        return history;
    }
}
