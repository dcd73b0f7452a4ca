package dev.stackquery.spring.boot.actuate;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

import dev.stackquery.QueryKey;
import dev.stackquery.SourceCallObserver;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Makes each call of a query function (each attempt) a Micrometer {@link Observation} named {@code stackquery.fetch},
 * a child of the observation current where the fetch started (the request that missed the cache) and current itself
 * while the function runs, so the upstream calls it makes (an HTTP client's, a repository's) are its children: a
 * trace shows which cache miss called which upstream.
 *
 * <p>Low-cardinality key values: {@code key} (the key's first parts, as the meters' {@code key} tag), {@code attempt}
 * (1 for the first call, 2 for the first retry...), {@code outcome} ({@code success}, {@code error},
 * {@code timeout}, {@code cancelled}). A failed call's observation also carries its error.
 */
public final class StackQueryObservations implements SourceCallObserver {

    /** The observation's name. */
    public static final String NAME = "stackquery.fetch";

    private final ObservationRegistry registry;
    private final int keyTagDepth;

    /** Observations in {@code registry}, with a key value of each key's first {@code keyTagDepth} parts. */
    public StackQueryObservations(ObservationRegistry registry, int keyTagDepth) {
        this.registry = registry;
        this.keyTagDepth = keyTagDepth;
    }

    @Override
    public @Nullable Object fetchStarting(QueryKey key) {
        return registry.getCurrentObservation();
    }

    @Override
    public Call calling(QueryKey key, int attempt, @Nullable Object fetchContext) {
        String family = StackQueryMetrics.keyTag(key, keyTagDepth);
        Observation observation = Observation.createNotStarted(NAME, registry)
                .contextualName("stackquery fetch" + (family.isEmpty() ? "" : " " + family))
                .lowCardinalityKeyValue("key", family)
                .lowCardinalityKeyValue("attempt", Integer.toString(attempt));
        if (fetchContext instanceof Observation parent) {
            observation.parentObservation(parent);
        }
        observation.start();
        Observation.Scope scope = observation.openScope();
        return new Call() {
            @Override
            public void returned() {
                scope.close();
            }

            @Override
            public void ended(@Nullable Throwable error) {
                observation.lowCardinalityKeyValue("outcome", outcome(error));
                if (error != null) {
                    observation.error(error);
                }
                observation.stop();
            }
        };
    }

    private static String outcome(@Nullable Throwable error) {
        if (error == null) {
            return "success";
        }
        if (error instanceof TimeoutException) {
            return "timeout";
        }
        return error instanceof CancellationException ? "cancelled" : "error";
    }
}
