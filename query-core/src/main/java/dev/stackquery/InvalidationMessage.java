package dev.stackquery;

import java.util.Objects;

/**
 * What one instance tells the others through an {@link InvalidationBus}: an action on the queries a scope selects.
 *
 * @param origin instance id of the sender; an instance ignores its own messages
 * @param action what to do
 * @param scope which queries: by exact key, by key prefix, by partial match, or all
 * @param key canonical form of the key or prefix ({@link QueryKey#canonical()}); {@code "[]"} for {@link Scope#ALL}
 */
public record InvalidationMessage(String origin, Action action, Scope scope, String key) {

    /** What the receiving instances do to their L1 (never to L2: the sender already did). */
    public enum Action {
        /** Mark stale (and refetch observed queries). */
        INVALIDATE,
        /** Forget. */
        REMOVE,
        /** Back to initial state. */
        RESET,
        /** New data was set and written to L2: read it from there. */
        SET
    }

    /** How {@link #key} selects queries. */
    public enum Scope {
        /** The query with exactly this key. */
        EXACT,
        /** Every query whose key starts with this key, whole part by whole part. */
        PREFIX,
        /** Every query whose key this key matches partially ({@link QueryKey#matchesPartially}). */
        PARTIAL,
        /** Every query. */
        ALL
    }

    /** Checks the fields. */
    public InvalidationMessage {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(key, "key");
    }

    /** The filter this message's scope describes. */
    public QueryFilter filter() {
        return switch (scope) {
            case EXACT -> QueryFilter.exact(QueryKey.parse(key));
            case PREFIX -> QueryFilter.prefix(QueryKey.parse(key));
            case PARTIAL -> QueryFilter.partial(QueryKey.parse(key));
            case ALL -> QueryFilter.all();
        };
    }
}
