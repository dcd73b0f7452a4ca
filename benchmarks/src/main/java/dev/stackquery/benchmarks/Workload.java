package dev.stackquery.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

import dev.stackquery.QueryKey;

/** Precomputed keys and a skewed (Zipf, s = 1) access sequence, so benchmarks measure lookups, not setup. */
final class Workload {

    static final int KEYS = 100_000;
    static final int SEQUENCE = 1 << 20;
    static final int MASK = SEQUENCE - 1;

    private Workload() {
    }

    static QueryKey[] keys(int count) {
        QueryKey[] keys = new QueryKey[count];
        for (int i = 0; i < count; i++) {
            keys[i] = QueryKey.of("item", i);
        }
        return keys;
    }

    /** Indices into the key array, key {@code k} drawn with probability proportional to {@code 1 / (k + 1)}. */
    static int[] zipfSequence(int keys, long seed) {
        double[] cumulative = new double[keys];
        double sum = 0;
        for (int k = 0; k < keys; k++) {
            sum += 1.0 / (k + 1);
            cumulative[k] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] sequence = new int[SEQUENCE];
        for (int i = 0; i < SEQUENCE; i++) {
            int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
            sequence[i] = Math.min(keys - 1, found >= 0 ? found : -found - 1);
        }
        return sequence;
    }
}
