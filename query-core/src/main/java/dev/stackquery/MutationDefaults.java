package dev.stackquery;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Options a client applies to every mutation whose key a registered key matches (TanStack Query's
 * {@code setMutationDefaults}): registered with {@link QueryClient#setMutationDefaults(QueryKey, MutationDefaults)},
 * e.g. "writes under {@code ["todos"]} retry twice and invalidate {@code ["todos"]}". A mutation's own options win over
 * its defaults, except {@link #invalidates()}, which are added to the mutation's own (invalidating more is never wrong;
 * silently invalidating less would be). Only settings that make sense for any value type are here: callbacks stay
 * with the typed {@link MutationOptions}. Immutable.
 */
public final class MutationDefaults {

    private static final MutationDefaults NONE = new Builder().build();

    private final @Nullable Integer retry;
    private final @Nullable RetryDelay retryDelay;
    private final List<QueryFilter> invalidates;

    private MutationDefaults(@Nullable Integer retry, @Nullable RetryDelay retryDelay, List<QueryFilter> invalidates) {
        this.retry = retry;
        this.retryDelay = retryDelay;
        this.invalidates = List.copyOf(invalidates);
    }

    /** Starts defaults that set nothing. */
    public static Builder builder() {
        return new Builder();
    }

    /** Defaults that set nothing. */
    public static MutationDefaults none() {
        return NONE;
    }

    /** Retries of a failed function, if set. */
    public Optional<Integer> retry() {
        return Optional.ofNullable(retry);
    }

    /** Delay before each retry, if set. */
    public Optional<RetryDelay> retryDelay() {
        return Optional.ofNullable(retryDelay);
    }

    /** Queries to invalidate after a successful run, in addition to the mutation's own. */
    public List<QueryFilter> invalidates() {
        return invalidates;
    }

    @Nullable Integer retryOrNull() {
        return retry;
    }

    /** These defaults overridden by {@code later}'s settings, with both invalidation lists. */
    MutationDefaults then(MutationDefaults later) {
        return new MutationDefaults(later.retry != null ? later.retry : retry,
                later.retryDelay != null ? later.retryDelay : retryDelay, union(invalidates, later.invalidates));
    }

    /** {@code first}, then what {@code second} adds to it: invalidations add up, each once. */
    static List<QueryFilter> union(List<QueryFilter> first, List<QueryFilter> second) {
        List<QueryFilter> both = new ArrayList<>(first);
        for (QueryFilter filter : second) {
            if (!both.contains(filter)) {
                both.add(filter);
            }
        }
        return both;
    }

    @Override
    public String toString() {
        return "MutationDefaults[retry=" + retry + ", retryDelay=" + retryDelay + ", invalidates=" + invalidates + "]";
    }

    /** Builds {@link MutationDefaults}. Not thread-safe. */
    public static final class Builder {

        private @Nullable Integer retry;
        private @Nullable RetryDelay retryDelay;
        private final List<QueryFilter> invalidates = new ArrayList<>();

        private Builder() {
        }

        /** Retries of a failed function. Not negative. */
        public Builder retry(int retry) {
            if (retry < 0) {
                throw new IllegalArgumentException("retry must not be negative: " + retry);
            }
            this.retry = retry;
            return this;
        }

        /** Delay before each retry. */
        public Builder retryDelay(RetryDelay retryDelay) {
            this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
            return this;
        }

        /** Queries to invalidate after a successful run. */
        public Builder invalidates(QueryFilter... filters) {
            Objects.requireNonNull(filters, "filters");
            for (QueryFilter filter : filters) {
                invalidates.add(Objects.requireNonNull(filter, "filter"));
            }
            return this;
        }

        /** The defaults. */
        public MutationDefaults build() {
            return new MutationDefaults(retry, retryDelay, invalidates);
        }
    }
}
