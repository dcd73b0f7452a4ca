package dev.stackquery.spring.boot.actuate;

import java.lang.reflect.Array;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

import dev.stackquery.QuerySnapshot;
import dev.stackquery.QueryState;

import org.jspecify.annotations.Nullable;

/**
 * One query as the {@code queries} endpoint and the devtools page show it. {@code size} is the number of elements when the data is a collection, map or array, otherwise
 * null; {@code data}, and the message in {@code error}, are left out unless values are shown. {@code stale} is
 * {@link QuerySnapshot#staleByTime()}: whether the next caller with the options last used would refetch.
 */
public record QueryDescriptor(String key, String status, String fetchStatus, boolean stale, boolean invalidated,
        int observers, @Nullable Instant dataUpdatedAt, int failureCount, @Nullable String error,
        @Nullable Integer size, @Nullable Object data) {

    /** The description of {@code snapshot}, with its value only when {@code showValue}. */
    public static QueryDescriptor of(QuerySnapshot snapshot, boolean showValue) {
        QueryState<?> state = snapshot.state();
        Object data = state.data();
        Throwable error = state.error();
        return new QueryDescriptor(snapshot.key().canonical(), lower(state.status()), lower(state.fetchStatus()),
                snapshot.staleByTime(), state.invalidated(), snapshot.observerCount(), state.dataUpdatedAt(),
                state.failureCount(), error == null ? null : describeError(error, showValue), size(data),
                showValue ? data : null);
    }

    /**
     * An error as the endpoint and the devtools page show it: its class; its message only where values are shown, as
     * it may quote them.
     */
    public static String describeError(Throwable error, boolean showValue) {
        return showValue && error.getMessage() != null ? error.getClass().getName() + ": " + error.getMessage()
                : error.getClass().getName();
    }

    private static @Nullable Integer size(@Nullable Object data) {
        if (data instanceof Collection<?> collection) {
            return collection.size();
        }
        if (data instanceof Map<?, ?> map) {
            return map.size();
        }
        return data != null && data.getClass().isArray() ? Array.getLength(data) : null;
    }

    /** An enum as the endpoint's and the devtools console's JSON write it: its name in lower case. */
    public static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
