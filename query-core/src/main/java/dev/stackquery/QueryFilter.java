package dev.stackquery;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Which queries a bulk operation ({@code invalidateQueries}, {@code removeQueries}...) applies to.
 *
 * <p>Prefix and exact filters also reach L2 entries that are not in L1 (a prefix filter deletes by prefix there);
 * a {@link Where} filter can only see L1, so it reaches L2 for the L1 queries it matches.
 */
public sealed interface QueryFilter {

    /** Whether the filter selects {@code snapshot}. */
    boolean matches(QuerySnapshot snapshot);

    /** Every query whose key starts with {@code key}, whole part by whole part (the usual choice). */
    static QueryFilter prefix(QueryKey key) {
        return new Prefix(key);
    }

    /** Shorthand for {@code prefix(QueryKey.of(parts))}. */
    static QueryFilter prefix(Object... parts) {
        return new Prefix(QueryKey.of(parts));
    }

    /** The query with exactly this key. */
    static QueryFilter exact(QueryKey key) {
        return new Exact(key);
    }

    /** Every query. */
    static QueryFilter all() {
        return All.INSTANCE;
    }

    /** Every L1 query the predicate accepts. */
    static QueryFilter where(Predicate<QuerySnapshot> predicate) {
        return new Where(predicate);
    }

    /** Keys starting with {@code key}. */
    record Prefix(QueryKey key) implements QueryFilter {
        /** Checks the key. */
        public Prefix {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean matches(QuerySnapshot snapshot) {
            return snapshot.key().startsWith(key);
        }
    }

    /** Exactly {@code key}. */
    record Exact(QueryKey key) implements QueryFilter {
        /** Checks the key. */
        public Exact {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean matches(QuerySnapshot snapshot) {
            return snapshot.key().equals(key);
        }
    }

    /** Everything. */
    enum All implements QueryFilter {
        /** The only instance. */
        INSTANCE;

        @Override
        public boolean matches(QuerySnapshot snapshot) {
            return true;
        }
    }

    /** Whatever {@code predicate} accepts. */
    record Where(Predicate<QuerySnapshot> predicate) implements QueryFilter {
        /** Checks the predicate. */
        public Where {
            Objects.requireNonNull(predicate, "predicate");
        }

        @Override
        public boolean matches(QuerySnapshot snapshot) {
            return predicate.test(snapshot);
        }
    }
}
