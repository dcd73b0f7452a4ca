package dev.stackquery.spring.boot.devtools;

import dev.stackquery.QueryClient;

/** The devtools console's recorder on a client, as the starter attaches it, for benchmarks outside this package. */
public final class DevtoolsForBenchmarks {

    private DevtoolsForBenchmarks() {
    }

    /** Records {@code client}'s events as the console does with its default ring, until closed. */
    public static AutoCloseable record(QueryClient client) {
        return DevtoolsRecorder.listeningTo(client, 1000);
    }
}
