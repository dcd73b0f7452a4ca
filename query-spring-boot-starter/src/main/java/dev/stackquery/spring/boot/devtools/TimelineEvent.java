package dev.stackquery.spring.boot.devtools;

import static dev.stackquery.spring.boot.actuate.QueryDescriptor.lower;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import dev.stackquery.QueryCacheEvent;
import dev.stackquery.QueryState;
import dev.stackquery.spring.boot.actuate.QueryDescriptor;

import org.jspecify.annotations.Nullable;

/**
 * One cache event as the timeline shows it: {@code type} is the event's name ({@code FetchSucceeded},
 * {@code Invalidated}...), and only the fields that event has are set. {@code error} is the error's class, with its
 * message only where values are shown.
 */
record TimelineEvent(long sequence, Instant time, String type, String key, @Nullable String level,
        @Nullable String result, @Nullable Long durationMs, @Nullable Integer attempts, @Nullable String origin,
        @Nullable String cause, @Nullable String status, @Nullable String fetchStatus, @Nullable Boolean invalidated,
        @Nullable String operation, @Nullable String error, @Nullable String detail) {

    /** Every event type's name, as {@link #type()} and the type filter spell it. */
    static final List<String> TYPES = Arrays.stream(QueryCacheEvent.class.getPermittedSubclasses())
            .map(Class::getSimpleName).sorted().toList();

    static TimelineEvent of(EventLog.Entry entry, boolean showValues) {
        return new Builder(entry, showValues).build();
    }

    /** Fills the fields of one event; each kind of event sets its own. */
    private static final class Builder {
        private final EventLog.Entry entry;
        private final boolean showValues;
        private @Nullable String level;
        private @Nullable String result;
        private @Nullable Long durationMs;
        private @Nullable Integer attempts;
        private @Nullable String origin;
        private @Nullable String cause;
        private @Nullable String status;
        private @Nullable String fetchStatus;
        private @Nullable Boolean invalidated;
        private @Nullable String operation;
        private @Nullable String error;
        private @Nullable String detail;

        Builder(EventLog.Entry entry, boolean showValues) {
            this.entry = entry;
            this.showValues = showValues;
        }

        TimelineEvent build() {
            QueryCacheEvent event = entry.event();
            if (event instanceof QueryCacheEvent.Lookup lookup) {
                level = lookup.level().name();
                result = lower(lookup.result());
            } else if (event instanceof QueryCacheEvent.Updated updated) {
                QueryState<?> state = updated.state();
                status = lower(state.status());
                fetchStatus = lower(state.fetchStatus());
                invalidated = state.invalidated();
            } else if (event instanceof QueryCacheEvent.FetchSucceeded succeeded) {
                durationMs = succeeded.duration().toMillis();
                attempts = succeeded.attempts();
            } else if (event instanceof QueryCacheEvent.FetchFailed failed) {
                durationMs = failed.duration().toMillis();
                attempts = failed.attempts();
                error(failed.error());
            } else if (event instanceof QueryCacheEvent.FetchRetried retried) {
                attempts = retried.failedAttempt();
                detail = "next attempt in " + retried.delay().toMillis() + " ms";
                error(retried.error());
            } else if (event instanceof QueryCacheEvent.Invalidated invalidation) {
                origin = lower(invalidation.origin());
            } else if (event instanceof QueryCacheEvent.Evicted evicted) {
                cause = lower(evicted.cause());
            } else if (event instanceof QueryCacheEvent.StorageError storage) {
                level = QueryCacheEvent.CacheLevel.L2.name();
                operation = lower(storage.operation());
                error(storage.error());
            } else if (event instanceof QueryCacheEvent.StorageSkipped skipped) {
                level = QueryCacheEvent.CacheLevel.L2.name();
                detail = skipped.bytes() + " bytes, over the limit of " + skipped.limit();
            } else if (event instanceof QueryCacheEvent.ListenerFailed failed) {
                detail = failed.source();
                error(failed.error());
            }
            return new TimelineEvent(entry.sequence(), Instant.ofEpochMilli(entry.timeMillis()),
                    event.getClass().getSimpleName(), event.key().canonical(), level, result, durationMs, attempts,
                    origin, cause, status, fetchStatus, invalidated, operation, error, detail);
        }

        private void error(Throwable thrown) {
            error = QueryDescriptor.describeError(thrown, showValues);
        }
    }
}
