package dev.stackquery;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Which queries a bulk operation ({@code invalidateQueries}, {@code removeQueries}...) applies to.
 *
 * <p>Prefix and exact filters also reach L2 entries that are not in L1 (a prefix filter deletes by prefix there);
 * a {@link Partial} filter deletes there by its leading plain parts (more than it selects, never less, as L2 cannot
 * match map contents), and tells other instances the pattern itself; a {@link Where} filter can only see L1, so it
 * reaches L2 and other instances for the L1 queries it matches.
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

    /**
     * Every query whose key {@code pattern} matches partially, as TanStack Query's {@code partialMatchKey} does: map
     * parts by their entries, so {@code partial("todos", Map.of("status", "done"))} selects
     * {@code ["todos", {status: "done", page: 1}]}. See {@link QueryKey#matchesPartially}. In L2, which cannot look
     * into map parts, it deletes every entry under the pattern's leading plain parts (["todos"] here): start patterns
     * with a plain part, as one whose first part is a map or a list empties the whole L2 shared by every instance.
     */
    static QueryFilter partial(QueryKey pattern) {
        return new Partial(pattern);
    }

    /** Shorthand for {@code partial(QueryKey.of(parts))}. */
    static QueryFilter partial(Object... parts) {
        return new Partial(QueryKey.of(parts));
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

    /** Keys {@code pattern} matches partially. */
    record Partial(QueryKey pattern) implements QueryFilter {
        /** Checks the pattern. */
        public Partial {
            Objects.requireNonNull(pattern, "pattern");
        }

        @Override
        public boolean matches(QuerySnapshot snapshot) {
            return snapshot.key().matchesPartially(pattern);
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
