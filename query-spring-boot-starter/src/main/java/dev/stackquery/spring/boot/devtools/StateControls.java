package dev.stackquery.spring.boot.devtools;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.stackquery.FetchStatus;
import dev.stackquery.QueryClient;
import dev.stackquery.QueryFilter;
import dev.stackquery.QueryKey;
import dev.stackquery.QueryState;
import dev.stackquery.QueryStatus;

/**
 * "Force loading", "force error" and "restore", as TanStack Query's devtools offer them: a query's state is replaced
 * (observers and listeners are told) to show how the application looks while it loads or after it failed. Nothing is
 * written to L2 or told to other instances; a fetch that is running goes on and its outcome replaces the forced
 * state.
 *
 * <p>The state a query had before it was first forced is kept (in a concurrent map, one entry per forced key) so that
 * "restore" can put it back while the forced state is still there; when something replaced the forced state
 * meanwhile, or nothing was kept, "restore" refetches instead. An entry whose forced state is gone (a fetch replaced
 * it, the query left L1) is dropped by the next force or look at that key, so old data is not held on to.
 */
final class StateControls {

    /** What restore did. */
    enum Restored {
        /** The state from before the first force is back. */
        RESTORED,
        /** The query is being fetched again. */
        REFETCHED
    }

    private record Forced(QueryState<?> before, QueryState<?> forced) {
    }

    private final QueryClient client;
    private final Clock clock;
    private final ConcurrentHashMap<QueryKey, Forced> forced = new ConcurrentHashMap<>();

    StateControls(QueryClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.clock = client.clock();
    }

    /** Pending and fetching, without data; false when {@code key} is not in L1. */
    boolean forceLoading(QueryKey key) {
        return force(key, before -> new QueryState<>(null, null, null, null, 0, null, QueryStatus.PENDING,
                FetchStatus.FETCHING, false));
    }

    /** Failed with a {@link ForcedErrorException}, keeping the data; false when {@code key} is not in L1. */
    boolean forceError(QueryKey key) {
        return force(key, before -> {
            ForcedErrorException error = new ForcedErrorException();
            return new QueryState<>(before.data(), before.dataUpdatedAt(), error, clock.instant(),
                    Math.max(1, before.failureCount()), error, QueryStatus.ERROR, FetchStatus.IDLE,
                    before.invalidated());
        });
    }

    /** Puts back the state from before the first force, or refetches (see the class comment). */
    Restored restore(QueryKey key) {
        Forced saved = forced.remove(key);
        if (saved != null && isCurrent(key, saved.forced()) && client.setQueryState(key, saved.before())) {
            return Restored.RESTORED;
        }
        client.refetchQueries(QueryFilter.exact(key));
        return Restored.REFETCHED;
    }

    /** Whether {@code key} still has a state the devtools forced. */
    boolean isForced(QueryKey key) {
        Forced saved = forced.get(key);
        if (saved == null) {
            return false;
        }
        if (!isCurrent(key, saved.forced())) {
            forced.remove(key, saved);
            return false;
        }
        return true;
    }

    /** Keys whose state from before a force is kept. */
    int kept() {
        return forced.size();
    }

    private boolean force(QueryKey key, Function<QueryState<?>, QueryState<?>> state) {
        Optional<QueryState<Object>> current = client.getQueryState(key);
        if (current.isEmpty()) {
            return false;
        }
        forced.entrySet().removeIf(entry -> !entry.getKey().equals(key)
                && !isCurrent(entry.getKey(), entry.getValue().forced()));
        Forced earlier = forced.get(key);
        // Forcing again (loading, then error) keeps the state from before the first force, the one worth restoring.
        QueryState<?> before = earlier != null && isCurrent(key, earlier.forced()) ? earlier.before() : current.get();
        QueryState<?> replacement = state.apply(before);
        forced.put(key, new Forced(before, replacement));
        if (!client.setQueryState(key, replacement)) {
            forced.remove(key);
            return false;
        }
        return true;
    }

    private boolean isCurrent(QueryKey key, QueryState<?> state) {
        return client.getQueryState(key).map(state::equals).orElse(false);
    }
}
