package dev.stackquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QueryKeyTest {

    private enum Color { RED, GREEN }

    /**
     * Keys of one or two parts keep them in fields, longer keys in an array: every way of making a key of a given
     * size, and every operation, must agree across that boundary.
     */
    @Nested
    class Shapes {

        private final List<List<Object>> partLists = List.of(List.of(), List.of("a"), List.of("a", 1L),
                List.of("a", 1L, true), List.of("a", 1L, true, "d"), List.of(List.of("x", 1L)),
                List.of("a", List.of("b", 2L)), List.of("a", List.of("b", 2L), Map.of("c", 3L)));

        private List<QueryKey> made(List<Object> parts) {
            List<QueryKey> keys = new ArrayList<>();
            keys.add(QueryKey.of(parts.toArray()));
            keys.add(QueryKey.ofParts(parts));
            keys.add(QueryKey.parse(QueryKey.ofParts(parts).canonical()));
            switch (parts.size()) {
                case 1 -> keys.add(QueryKey.of(parts.get(0)));
                case 2 -> keys.add(QueryKey.of(parts.get(0), parts.get(1)));
                case 3 -> keys.add(QueryKey.of(parts.get(0), parts.get(1), parts.get(2)));
                default -> { }
            }
            List<Object> longer = new ArrayList<>(parts);
            longer.add("tail");
            keys.add(QueryKey.ofParts(longer).head(parts.size()));
            return keys;
        }

        @Test
        void everyWayOfMakingAKeyOfOneSizeGivesTheSameKey() {
            for (List<Object> parts : partLists) {
                for (QueryKey key : made(parts)) {
                    assertThat(key.size()).as(parts.toString()).isEqualTo(parts.size());
                    assertThat(key.parts()).as(parts.toString()).isEqualTo(parts);
                    for (int i = 0; i < parts.size(); i++) {
                        assertThat(key.part(i)).isEqualTo(parts.get(i));
                    }
                    assertThat(key.hashCode()).as("the hash of the parts' list").isEqualTo(parts.hashCode());
                    assertThat(key).isEqualTo(made(parts).get(0)).hasSameHashCodeAs(made(parts).get(0));
                    assertThat(key.canonical()).isEqualTo(made(parts).get(0).canonical());
                }
            }
        }

        @Test
        void keysOfDifferentSizesOrPartsDifferAcrossTheBoundary() {
            List<QueryKey> distinct = partLists.stream().map(QueryKey::ofParts).toList();
            for (int i = 0; i < distinct.size(); i++) {
                for (int j = 0; j < distinct.size(); j++) {
                    assertThat(distinct.get(i).equals(distinct.get(j))).as(distinct.get(i) + " vs " + distinct.get(j))
                            .isEqualTo(i == j);
                }
            }
            // A key of two parts whose second is a list is not the key of three parts.
            assertThat(QueryKey.of("a", List.of(1L, true))).isNotEqualTo(QueryKey.of("a", 1L, true));
            assertThat(QueryKey.of("a", 1L)).isNotEqualTo(QueryKey.of("a", 1L, true)).isNotEqualTo(QueryKey.of("a"));
        }

        @Test
        void partOutsideTheKeyIsRejectedForEverySize() {
            for (List<Object> parts : partLists) {
                QueryKey key = QueryKey.ofParts(parts);
                for (int index : new int[] {-1, parts.size(), parts.size() + 1}) {
                    assertThatThrownBy(() -> key.part(index)).as(parts + " part " + index)
                            .isInstanceOf(IndexOutOfBoundsException.class)
                            .hasMessageContaining("part " + index).hasMessageContaining(parts.size() + " parts");
                }
            }
        }

        @Test
        void prefixesHeadsAndPartialMatchesAgreeAcrossTheBoundary() {
            QueryKey four = QueryKey.of("a", 1L, true, "d");
            for (int n = 0; n <= 4; n++) {
                QueryKey head = four.head(n);
                assertThat(head.size()).isEqualTo(n);
                assertThat(four.startsWith(head)).isTrue();
                assertThat(four.matchesPartially(head)).isTrue();
                assertThat(head.startsWith(four)).isEqualTo(n == 4);
                assertThat(four.canonical()).startsWith(head.canonical().substring(0, head.canonical().length() - 1));
            }
            assertThat(QueryKey.of("a", 1L, true).startsWith(QueryKey.of("a", 2L))).isFalse();
            assertThat(QueryKey.of("a", 1L).startsWith(QueryKey.of("a", 1L, true))).isFalse();
        }
    }

    @Nested
    class Equality {

        @Test
        void keysWithEqualPartsAreEqualAndHashAlike() {
            QueryKey a = QueryKey.of("user", 42, true, List.of("x", 1), Map.of("page", 2));
            QueryKey b = QueryKey.of("user", 42, true, List.of("x", 1), Map.of("page", 2));

            assertThat(a).isEqualTo(b).isNotSameAs(b);
            assertThat(a.hashCode()).isEqualTo(b.hashCode());
        }

        @Test
        void keysWithDifferentPartsOrOrderAreNotEqual() {
            QueryKey key = QueryKey.of("user", 42);

            assertThat(key).isNotEqualTo(QueryKey.of("user", 43));
            assertThat(key).isNotEqualTo(QueryKey.of(42, "user"));
            assertThat(key).isNotEqualTo(QueryKey.of("user"));
            assertThat(key).isNotEqualTo(QueryKey.of("user", 42, "posts"));
            assertThat(key).isNotEqualTo("[\"user\",42]");
            assertThat(key).isNotEqualTo(null);
        }

        @Test
        void hashCodeIsStableAcrossCallsAndReconstruction() {
            QueryKey key = QueryKey.of("user", 1.5, Map.of("b", 1, "a", List.of(2)));
            int first = key.hashCode();

            assertThat(key.hashCode()).isEqualTo(first);
            assertThat(QueryKey.parse(key.canonical()).hashCode()).isEqualTo(first);
            assertThat(QueryKey.ofParts(key.parts()).hashCode()).isEqualTo(first);
        }

        @Test
        void keysWorkAsHashMapKeysAcrossEquivalentRepresentations() {
            Map<QueryKey, String> map = new HashMap<>();
            map.put(QueryKey.of("user", 1, Map.of("a", 1, "b", 2)), "found");

            LinkedHashMap<String, Object> reordered = new LinkedHashMap<>();
            reordered.put("b", BigInteger.TWO);
            reordered.put("a", (short) 1);

            assertThat(map.get(QueryKey.of("user", 1L, reordered))).isEqualTo("found");
        }

        @Test
        void stringsAreNotNumbersOrBooleans() {
            assertThat(QueryKey.of("1")).isNotEqualTo(QueryKey.of(1));
            assertThat(QueryKey.of("true")).isNotEqualTo(QueryKey.of(true));
            assertThat(QueryKey.of("1.5")).isNotEqualTo(QueryKey.of(1.5));
        }

        @Test
        void aListPartIsNotTheSameAsSeparateParts() {
            assertThat(QueryKey.of("a", "b")).isNotEqualTo(QueryKey.of((Object) List.of("a", "b")));
            assertThat(QueryKey.of((Object) List.of("a", "b")).size()).isEqualTo(1);
        }

        @Test
        void ofPartsTakesTheListElementsAsPartsWhileOfTakesAListAsOnePart() {
            assertThat(QueryKey.ofParts(List.of("user", 1))).isEqualTo(QueryKey.of("user", 1));
            assertThat(QueryKey.of(List.of("user", 1)).size()).isEqualTo(1);
        }

        @Test
        void emptyKeysAreEqual() {
            assertThat(QueryKey.of()).isEqualTo(QueryKey.ofParts(List.of()));
            assertThat(QueryKey.of().size()).isZero();
            assertThat(QueryKey.of().parts()).isEmpty();
        }
    }

    @Nested
    class Normalization {

        @Test
        void integralNumbersOfEveryTypeAreEqual() {
            QueryKey expected = QueryKey.of(1);

            assertThat(QueryKey.of(1L)).isEqualTo(expected).hasSameHashCodeAs(expected);
            assertThat(QueryKey.of((short) 1)).isEqualTo(expected).hasSameHashCodeAs(expected);
            assertThat(QueryKey.of((byte) 1)).isEqualTo(expected).hasSameHashCodeAs(expected);
            assertThat(QueryKey.of(BigInteger.ONE)).isEqualTo(expected).hasSameHashCodeAs(expected);
            assertThat(QueryKey.of(1).part(0)).isEqualTo(1L);
        }

        @Test
        void longExtremesStayLongsAndBiggerIntegersStayBigIntegers() {
            assertThat(QueryKey.of(BigInteger.valueOf(Long.MIN_VALUE))).isEqualTo(QueryKey.of(Long.MIN_VALUE));
            assertThat(QueryKey.of(BigInteger.valueOf(Long.MAX_VALUE))).isEqualTo(QueryKey.of(Long.MAX_VALUE));

            BigInteger beyond = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE);
            QueryKey big = QueryKey.of(beyond);
            assertThat(big.part(0)).isEqualTo(beyond);
            assertThat(big).isNotEqualTo(QueryKey.of(Long.MIN_VALUE)).isNotEqualTo(QueryKey.of(Long.MAX_VALUE));
        }

        @Test
        void integralAndDecimalNumbersStayDistinct() {
            assertThat(QueryKey.of(1.0)).isNotEqualTo(QueryKey.of(1));
            assertThat(QueryKey.of(1.0f)).isNotEqualTo(QueryKey.of(1L));
            assertThat(QueryKey.of(BigDecimal.ONE)).isNotEqualTo(QueryKey.of(BigInteger.ONE));
            assertThat(QueryKey.of(0.0)).isNotEqualTo(QueryKey.of(0));
            assertThat(QueryKey.of(100.0)).isNotEqualTo(QueryKey.of(100));
            assertThat(QueryKey.of((Object) List.of(1.0))).isNotEqualTo(QueryKey.of((Object) List.of(1)));
        }

        @Test
        void floatAndDoubleOfTheSameDecimalAreEqual() {
            assertThat(QueryKey.of(1.5f)).isEqualTo(QueryKey.of(1.5d)).hasSameHashCodeAs(QueryKey.of(1.5d));
            assertThat(QueryKey.of(-2.25f)).isEqualTo(QueryKey.of(-2.25d));
        }

        @Test
        void bigDecimalsEqualRegardlessOfScale() {
            assertThat(QueryKey.of(new BigDecimal("1.50"))).isEqualTo(QueryKey.of(1.5))
                    .hasSameHashCodeAs(QueryKey.of(1.5));
            assertThat(QueryKey.of(new BigDecimal("100"))).isEqualTo(QueryKey.of(100.0));
            assertThat(QueryKey.of(new BigDecimal("1E+2"))).isEqualTo(QueryKey.of(new BigDecimal("100.000")));
            assertThat(QueryKey.of(new BigDecimal("0.000"))).isEqualTo(QueryKey.of(0.0))
                    .isEqualTo(QueryKey.of(BigDecimal.ZERO));
        }

        @Test
        void negativeZeroEqualsZero() {
            assertThat(QueryKey.of(-0.0)).isEqualTo(QueryKey.of(0.0));
            assertThat(QueryKey.of(-0.0f)).isEqualTo(QueryKey.of(0.0));
        }

        @Test
        void differentDecimalsAreNotEqual() {
            assertThat(QueryKey.of(1.5)).isNotEqualTo(QueryKey.of(1.25));
            assertThat(QueryKey.of(new BigDecimal("1.000001"))).isNotEqualTo(QueryKey.of(1.0));
        }

        @Test
        void enumEqualsItsName() {
            assertThat(QueryKey.of(Color.RED)).isEqualTo(QueryKey.of("RED")).hasSameHashCodeAs(QueryKey.of("RED"));
            assertThat(QueryKey.of(Color.RED)).isNotEqualTo(QueryKey.of(Color.GREEN));
            assertThat(QueryKey.of(TimeUnit.SECONDS).part(0)).isEqualTo("SECONDS");
        }

        @Test
        void uuidEqualsItsString() {
            UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");

            assertThat(QueryKey.of("user", id)).isEqualTo(QueryKey.of("user", id.toString()))
                    .hasSameHashCodeAs(QueryKey.of("user", id.toString()));
            assertThat(QueryKey.of(id)).isNotEqualTo(QueryKey.of(UUID.fromString(
                    "123e4567-e89b-12d3-a456-426614174001")));
        }

        @Test
        void mapPartsCompareRegardlessOfEntryOrder() {
            LinkedHashMap<String, Object> ab = new LinkedHashMap<>();
            ab.put("a", 1);
            ab.put("b", "x");
            LinkedHashMap<String, Object> ba = new LinkedHashMap<>();
            ba.put("b", "x");
            ba.put("a", 1);

            assertThat(QueryKey.of("q", ab)).isEqualTo(QueryKey.of("q", ba)).hasSameHashCodeAs(QueryKey.of("q", ba));
            assertThat(QueryKey.of("q", ab).canonical()).isEqualTo(QueryKey.of("q", ba).canonical());
        }

        @Test
        void mapsWithDifferentEntriesAreNotEqual() {
            assertThat(QueryKey.of(Map.of("a", 1))).isNotEqualTo(QueryKey.of(Map.of("a", 2)));
            assertThat(QueryKey.of(Map.of("a", 1))).isNotEqualTo(QueryKey.of(Map.of("b", 1)));
            assertThat(QueryKey.of(Map.of("a", 1))).isNotEqualTo(QueryKey.of(Map.of("a", 1, "b", 2)));
        }

        @Test
        void enumMapKeysEqualTheirNames() {
            assertThat(QueryKey.of(Map.of(Color.RED, 1))).isEqualTo(QueryKey.of(Map.of("RED", 1)));
        }

        @Test
        void nestedListsAndMapsAreNormalizedAllTheWayDown() {
            QueryKey a = QueryKey.of("search", List.of(1, List.of(2.50f, Map.of("k", (short) 3, "e", Color.GREEN))));

            LinkedHashMap<String, Object> inner = new LinkedHashMap<>();
            inner.put("e", "GREEN");
            inner.put("k", BigInteger.valueOf(3));
            QueryKey b = QueryKey.of("search", List.of(1L, List.of(new BigDecimal("2.5000"), inner)));

            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
            assertThat(a.canonical()).isEqualTo("[\"search\",[1,[2.5,{\"e\":\"GREEN\",\"k\":3}]]]");
        }

        @Test
        void nestedIntegralAndDecimalStayDistinct() {
            assertThat(QueryKey.of(Map.of("n", 1))).isNotEqualTo(QueryKey.of(Map.of("n", 1.0)));
            assertThat(QueryKey.of("n", List.of(List.of(2)))).isNotEqualTo(QueryKey.of("n", List.of(List.of(2.0))));
        }

        @Test
        void partsAreUnmodifiableAndIsolatedFromTheCallersCollections() {
            List<Object> list = new ArrayList<>(List.of("a"));
            Map<String, Object> map = new HashMap<>(Map.of("k", "v"));
            QueryKey key = QueryKey.of(list, map);
            String before = key.canonical();

            list.add("b");
            map.put("k2", "v2");

            assertThat(key).isEqualTo(QueryKey.of(List.of("a"), Map.of("k", "v")));
            assertThat(key.canonical()).isEqualTo(before);
            assertThatThrownBy(() -> key.parts().set(0, "x")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> ((List<?>) key.part(0)).clear())
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> ((Map<?, ?>) key.part(1)).clear())
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    class BadParts {

        @Test
        void nullPartIsRejectedNamingItsIndex() {
            assertThatThrownBy(() -> QueryKey.of("user", null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part 1");
            assertThatThrownBy(() -> QueryKey.ofParts(Arrays.asList("a", "b", null)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part 2");
        }

        @Test
        void nullInsideAListOrMapIsRejectedNamingWhereItIs() {
            assertThatThrownBy(() -> QueryKey.of("user", Arrays.asList(1, null)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part 1[1]");

            Map<String, Object> map = new HashMap<>();
            map.put("page", null);
            assertThatThrownBy(() -> QueryKey.of(map))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("part 0")
                    .hasMessageContaining("page");
        }

        @Test
        void nullPartsArrayIsRejected() {
            assertThatThrownBy(() -> QueryKey.of((Object[]) null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> QueryKey.of((List<?>) null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void unsupportedTypesAreRejectedNamingIndexAndClass() {
            assertThatThrownBy(() -> QueryKey.of("a", "b", new Object()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 2")
                    .hasMessageContaining("java.lang.Object");
            assertThatThrownBy(() -> QueryKey.of("a", new Date(0)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 1")
                    .hasMessageContaining("java.util.Date");
            assertThatThrownBy(() -> QueryKey.of('x'))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 0")
                    .hasMessageContaining("java.lang.Character");
            assertThatThrownBy(() -> QueryKey.of("s", new LinkedHashSet<>(List.of(1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 1")
                    .hasMessageContaining("java.util.LinkedHashSet");
        }

        @Test
        void unsupportedTypeInsideAListIsRejectedNamingItsPosition() {
            assertThatThrownBy(() -> QueryKey.of("a", List.of("ok", new StringBuilder("no"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 1[1]")
                    .hasMessageContaining("java.lang.StringBuilder");
        }

        @ParameterizedTest
        @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
        void nonFiniteDoublesAreRejected(double value) {
            assertThatThrownBy(() -> QueryKey.of("x", value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 1");
        }

        @Test
        void nonFiniteFloatsAreRejected() {
            assertThatThrownBy(() -> QueryKey.of(Float.NaN)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 0");
            assertThatThrownBy(() -> QueryKey.of((Object) List.of(Float.POSITIVE_INFINITY)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 0[0]");
        }

        @Test
        void mapWithNonStringKeyIsRejected() {
            assertThatThrownBy(() -> QueryKey.of("q", Map.of(1, "a")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 1")
                    .hasMessageContaining("java.lang.Integer");

            Map<Object, Object> nullKey = new HashMap<>();
            nullKey.put(null, "a");
            assertThatThrownBy(() -> QueryKey.of(nullKey))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("part 0");
        }
    }

    @Nested
    class Prefixes {

        @Test
        void prefixMatchesWholePartsOnly() {
            QueryKey user = QueryKey.of("user");

            assertThat(QueryKey.of("user", 1).startsWith(user)).isTrue();
            assertThat(QueryKey.of("user", 1, "posts").startsWith(user)).isTrue();
            assertThat(QueryKey.of("user").startsWith(user)).isTrue();
            assertThat(QueryKey.of("users").startsWith(user)).isFalse();
            assertThat(QueryKey.of("users", 1).startsWith(user)).isFalse();
            assertThat(QueryKey.of("use").startsWith(user)).isFalse();
        }

        @Test
        void emptyKeyPrefixesEveryKey() {
            assertThat(QueryKey.of("user", 1).startsWith(QueryKey.of())).isTrue();
            assertThat(QueryKey.of(Map.of()).startsWith(QueryKey.of())).isTrue();
            assertThat(QueryKey.of().startsWith(QueryKey.of())).isTrue();
        }

        @Test
        void longerOrDifferentKeysAreNotPrefixes() {
            assertThat(QueryKey.of("user").startsWith(QueryKey.of("user", 1))).isFalse();
            assertThat(QueryKey.of().startsWith(QueryKey.of("user"))).isFalse();
            assertThat(QueryKey.of("user", 1).startsWith(QueryKey.of("user", "1"))).isFalse();
            assertThat(QueryKey.of("user", 1).startsWith(QueryKey.of("user", 1.0))).isFalse();
            assertThat(QueryKey.of("user", 10).startsWith(QueryKey.of("user", 1))).isFalse();
            assertThat(QueryKey.of(1, "user").startsWith(QueryKey.of("user"))).isFalse();
        }

        @Test
        void prefixComparesPartsByNormalizedValue() {
            assertThat(QueryKey.of("user", 1L, "posts").startsWith(QueryKey.of("user", (short) 1))).isTrue();
            assertThat(QueryKey.of(Color.RED, 2).startsWith(QueryKey.of("RED"))).isTrue();
        }

        @Test
        void aPrefixThatIsAListPartDoesNotMatchItsElementsAsParts() {
            assertThat(QueryKey.of("a", "b").startsWith(QueryKey.of((Object) List.of("a")))).isFalse();
            assertThat(QueryKey.of(List.of("a", "b"), "c").startsWith(QueryKey.of((Object) List.of("a")))).isFalse();
        }

        @Test
        void headTakesTheFirstParts() {
            QueryKey key = QueryKey.of("user", 1, "posts");

            assertThat(key.head(0)).isEqualTo(QueryKey.of());
            assertThat(key.head(1)).isEqualTo(QueryKey.of("user"));
            assertThat(key.head(2)).isEqualTo(QueryKey.of("user", 1));
            assertThat(key.head(2).canonical()).isEqualTo("[\"user\",1]");
            assertThat(key.head(3)).isEqualTo(key);
            assertThat(key.head(10)).isEqualTo(key);
            for (int i = 0; i <= key.size(); i++) {
                assertThat(key.startsWith(key.head(i))).as("head(%d)", i).isTrue();
                assertThat(key.head(i).size()).isEqualTo(i);
            }
        }

        @Test
        void headRejectsNegativeCount() {
            assertThatThrownBy(() -> QueryKey.of("a").head(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
        }

        @Test
        void startsWithRejectsNullPrefix() {
            assertThatThrownBy(() -> QueryKey.of("a").startsWith(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("prefix");
        }

        @Test
        void canonicalChildPrefixEndsBeforeTheNextPart() {
            assertThat(QueryKey.of().canonicalChildPrefix()).isEqualTo("[");
            assertThat(QueryKey.of("user").canonicalChildPrefix()).isEqualTo("[\"user\",");
            assertThat(QueryKey.of("user", 1).canonicalChildPrefix()).isEqualTo("[\"user\",1,");
            assertThat(QueryKey.ofParts(List.of(1, 2)).canonicalChildPrefix()).isEqualTo("[1,2,");
            assertThat(QueryKey.of((Object) List.of(1, 2)).canonicalChildPrefix()).isEqualTo("[[1,2],");
        }

        @Test
        void canonicalStringPrefixMatchAgreesWithStartsWithForEveryPair() {
            List<QueryKey> keys = variedKeys();
            assertThat(keys).hasSizeGreaterThan(500);

            int prefixPairs = 0;
            for (QueryKey prefix : keys) {
                String childPrefix = prefix.canonicalChildPrefix();
                for (QueryKey key : keys) {
                    boolean byString = key.canonical().startsWith(childPrefix) || key.equals(prefix);
                    if (byString != key.startsWith(prefix)) {
                        throw new AssertionError("string prefix match says " + byString + " but startsWith says "
                                + key.startsWith(prefix) + " for key " + key + " and prefix " + prefix);
                    }
                    if (byString) {
                        prefixPairs++;
                    }
                }
            }
            // The set must contain real prefix pairs as well as near misses for the check to mean anything.
            assertThat(prefixPairs).isGreaterThan(keys.size() * 2);
        }
    }

    @Nested
    class CanonicalForm {

        @Test
        void canonicalIsCompactJsonArray() {
            assertThat(QueryKey.of("user", 42).canonical()).isEqualTo("[\"user\",42]");
            assertThat(QueryKey.of().canonical()).isEqualTo("[]");
            assertThat(QueryKey.of(true, false, -7).canonical()).isEqualTo("[true,false,-7]");
            assertThat(QueryKey.of(List.of(), Map.of()).canonical()).isEqualTo("[[],{}]");
        }

        @Test
        void toStringIsTheCanonicalForm() {
            QueryKey key = QueryKey.of("user", 42, Map.of("a", 1));

            assertThat(key.toString()).isEqualTo(key.canonical()).isEqualTo("[\"user\",42,{\"a\":1}]");
        }

        @Test
        void decimalsAlwaysHaveAFractionOrExponent() {
            assertThat(QueryKey.of(1.0).canonical()).isEqualTo("[1.0]");
            assertThat(QueryKey.of(1.5).canonical()).isEqualTo("[1.5]");
            assertThat(QueryKey.of(-0.25).canonical()).isEqualTo("[-0.25]");
            assertThat(QueryKey.of(0.0).canonical()).isEqualTo("[0.0]");
            assertThat(QueryKey.of(new BigDecimal("2.50")).canonical()).isEqualTo("[2.5]");
            assertThat(QueryKey.of(BigDecimal.ONE).canonical()).isEqualTo("[1.0]");
            for (Object decimal : List.of(10.0, 100.0, 1e20, 1e-10, new BigDecimal("12300"), Double.MAX_VALUE,
                    Double.MIN_VALUE, 123456789.0)) {
                String text = QueryKey.of(decimal).canonical();
                String number = text.substring(1, text.length() - 1);
                assertThat(number).as("canonical of %s", decimal).containsAnyOf(".", "E");
                assertThat(new BigDecimal(number)).as("canonical of %s", decimal)
                        .isEqualByComparingTo(new BigDecimal(decimal.toString()));
            }
        }

        @Test
        void integralsNeverHaveAFractionOrExponent() {
            assertThat(QueryKey.of(100).canonical()).isEqualTo("[100]");
            assertThat(QueryKey.of(Long.MIN_VALUE).canonical()).isEqualTo("[-9223372036854775808]");
            assertThat(QueryKey.of(new BigInteger("123456789012345678901234567890")).canonical())
                    .isEqualTo("[123456789012345678901234567890]");
        }

        @Test
        void mapEntriesAreSortedByKey() {
            LinkedHashMap<String, Object> map = new LinkedHashMap<>();
            map.put("b", 2);
            map.put("a", List.of(true, "x"));
            map.put("B", 3);
            map.put("", 0);

            assertThat(QueryKey.of("q", map).canonical())
                    .isEqualTo("[\"q\",{\"\":0,\"B\":3,\"a\":[true,\"x\"],\"b\":2}]");
        }

        @Test
        void enumsAndUuidsAreWrittenAsStrings() {
            UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");

            assertThat(QueryKey.of(Color.RED, id).canonical())
                    .isEqualTo("[\"RED\",\"123e4567-e89b-12d3-a456-426614174000\"]");
        }

        @Test
        void stringsAreJsonEscaped() {
            assertThat(QueryKey.of("say \"hi\"").canonical()).isEqualTo("[\"say \\\"hi\\\"\"]");
            assertThat(QueryKey.of("C:\\dir").canonical()).isEqualTo("[\"C:\\\\dir\"]");
            assertThat(QueryKey.of("a\nb\rc\td").canonical()).isEqualTo("[\"a\\nb\\rc\\td\"]");
            assertThat(QueryKey.of("\u0000\u0001\u001f").canonical()).isEqualTo("[\"\\u0000\\u0001\\u001f\"]");
            assertThat(QueryKey.of("\b\f").canonical()).isEqualTo("[\"\\u0008\\u000c\"]");
            assertThat(QueryKey.of("x,y]").canonical()).isEqualTo("[\"x,y]\"]");
            assertThat(QueryKey.of("grüße 😀").canonical()).isEqualTo("[\"grüße 😀\"]");
        }

        @Test
        void canonicalContainsNoRawControlCharacters() {
            StringBuilder all = new StringBuilder();
            for (char c = 0; c < 0x20; c++) {
                all.append(c);
            }
            String canonical = QueryKey.of(all.toString()).canonical();

            assertThat(canonical.chars()).allMatch(c -> c >= 0x20);
            assertThat(QueryKey.parse(canonical).part(0)).isEqualTo(all.toString());
        }

        @Test
        void equalKeysHaveEqualCanonicalFormsAndDifferentKeysDifferentOnes() {
            List<QueryKey> keys = variedKeys();
            Map<String, QueryKey> byCanonical = new HashMap<>();
            for (QueryKey key : keys) {
                QueryKey previous = byCanonical.putIfAbsent(key.canonical(), key);
                if (previous != null) {
                    assertThat(previous).isEqualTo(key);
                }
            }
            assertThat(byCanonical).hasSize(new LinkedHashSet<>(keys).size());
        }
    }

    @Nested
    class Parsing {

        @Test
        void parseReadsACanonicalKey() {
            assertThat(QueryKey.parse("[\"user\",42]")).isEqualTo(QueryKey.of("user", 42));
            assertThat(QueryKey.parse("[]")).isEqualTo(QueryKey.of());
            assertThat(QueryKey.parse("[1.0]")).isEqualTo(QueryKey.of(1.0)).isNotEqualTo(QueryKey.of(1));
            assertThat(QueryKey.parse("[{\"b\":2,\"a\":1}]")).isEqualTo(QueryKey.of(Map.of("a", 1, "b", 2)));
        }

        @Test
        void parseRoundTripsTrickyKeys() {
            List<QueryKey> tricky = List.of(
                    QueryKey.of("user\",1"),
                    QueryKey.of("user\",1", 2),
                    QueryKey.of("[\"user\",1]"),
                    QueryKey.of("a,b", "]", "[", "{", "}", ":", ""),
                    QueryKey.of("back\\slash\\", "\\\"", "\\u0041"),
                    QueryKey.of("\u0000", "\u001f", "\u007f", "\u2028\u2029", "\uFEFF"),
                    QueryKey.of("日本語", "grüße", "😀👍🏽", "\uD83D"),
                    QueryKey.of(Long.MIN_VALUE, Long.MAX_VALUE, 0, -1),
                    QueryKey.of(new BigInteger("-123456789012345678901234567890")),
                    QueryKey.of(1e-300, 1e300, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 0.1, 1.0 / 3),
                    QueryKey.of(new BigDecimal("1E+1000"), new BigDecimal("-1E-1000"),
                            new BigDecimal("123456789012345678901234567890.123456789")),
                    QueryKey.of(Map.of("\"k\"", Map.of("", List.of()), "a,b", "c:d")),
                    QueryKey.of(List.of(List.of(List.of())), Map.of()),
                    QueryKey.of(true, "true", false, "false", 1, "1", 1.0, "1.0"),
                    QueryKey.of(UUID.randomUUID(), Color.GREEN));

            for (QueryKey key : tricky) {
                QueryKey parsed = QueryKey.parse(key.canonical());
                assertThat(parsed).as("parse of %s", key.canonical()).isEqualTo(key).hasSameHashCodeAs(key);
                assertThat(parsed.canonical()).isEqualTo(key.canonical());
            }
        }

        @Test
        void parseRoundTripsManyGeneratedKeys() {
            for (QueryKey key : variedKeys()) {
                QueryKey parsed = QueryKey.parse(key.canonical());
                assertThat(parsed).as("parse of %s", key.canonical()).isEqualTo(key);
                assertThat(parsed.canonical()).isEqualTo(key.canonical());
            }
        }

        @Test
        void parseKeepsIntegralAndDecimalApart() {
            assertThat(QueryKey.parse("[1]").part(0)).isEqualTo(1L);
            assertThat(QueryKey.parse("[1.5]").part(0)).isInstanceOf(BigDecimal.class);
            assertThat(QueryKey.parse("[1E+2]")).isEqualTo(QueryKey.of(100.0)).isNotEqualTo(QueryKey.of(100));
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "x", "{}", "\"user\"", "42", "[", "[1,]", "[,1]", "[1 2]", "[\"a]",
                "[\"a\\q\"]", "[\"\\u12\"]", "[\"\\u12zz\"]", "[tru]", "[null]", "[1.2.3]", "[-]", "[1-2]", "[+1]",
                "[.5]", "[{1:2}]", "[{\"a\" 1}]", "[{\"a\":1,}]", "[{\"a\":}]", "[1]]", "[1] x", "[1][2]", "[[1]",
                "[{\"a\":1]", "[\"unterminated\\"})
        void parseRejectsTextThatIsNotACanonicalKeyAndSaysWhere(String text) {
            assertThatThrownBy(() -> QueryKey.parse(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("position");
        }

        @Test
        void parseErrorNamesTheFailingPosition() {
            assertThatThrownBy(() -> QueryKey.parse("[1,]")).hasMessageContaining("position 3");
            assertThatThrownBy(() -> QueryKey.parse("[1] x")).hasMessageContaining("position 4");
            assertThatThrownBy(() -> QueryKey.parse("")).hasMessageContaining("position 0");
        }

        @Test
        void aDecimalWhoseExponentCannotBeNormalizedIsRejectedNamingThePart() {
            assertThatThrownBy(() -> QueryKey.parse("[\"p\",1000e2147483647]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 1")
                    .hasMessageContaining("out of range");
            assertThatThrownBy(() -> QueryKey.of(new BigDecimal("1000e2147483647")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 0");
        }

        @Test
        void parseRejectsValidJsonThatIsNotAKey() {
            assertThatThrownBy(() -> QueryKey.parse("[1e999999999999]")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> QueryKey.parse("[{\"a\":null}]")).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void parseRejectsNull() {
            assertThatThrownBy(() -> QueryKey.parse(null)).isInstanceOf(NullPointerException.class);
        }
    }

    /**
     * Keys of zero to two parts drawn from a pool of awkward parts, plus random deeper ones: near-miss strings
     * ({@code user} / {@code users} / {@code user",1}), numbers that are textual prefixes of each other, and JSON
     * punctuation inside strings.
     */
    static List<QueryKey> variedKeys() {
        List<Object> pool = List.of("user", "users", "use", "user\",1", "user\",", "1", "10", "", "\"", "\\", ",",
                "[", "]", "a,b", "ü😀", 1, 10, -1, 1.5, 15, 1.0, true, false, List.of(1), List.of(1, 2), List.of(),
                Map.of("a", 1), Map.of("a", 1, "b", "user"), Map.of("a\",", List.of("]")),
                new BigInteger("99999999999999999999"));
        LinkedHashSet<QueryKey> keys = new LinkedHashSet<>();
        keys.add(QueryKey.of());
        for (Object a : pool) {
            keys.add(QueryKey.of(a));
            for (Object b : pool) {
                keys.add(QueryKey.of(a, b));
            }
        }
        Random random = new Random(42);
        for (int i = 0; i < 400; i++) {
            int size = 3 + random.nextInt(3);
            Object[] parts = new Object[size];
            for (int p = 0; p < size; p++) {
                // Mostly the first few pool entries, so that deep keys share prefixes with each other.
                parts[p] = pool.get(random.nextInt(random.nextBoolean() ? 4 : pool.size()));
            }
            keys.add(QueryKey.of(parts));
        }
        return new ArrayList<>(keys);
    }
}
