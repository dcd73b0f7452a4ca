package dev.stackquery.spring.boot;

import dev.stackquery.QueryClient;

/**
 * Customizes the {@link QueryClient.Builder} of the auto-configured {@link QueryClient} after the
 * {@code stackquery.*} properties were applied. Every bean of this type is called, in {@code @Order}.
 */
@FunctionalInterface
public interface QueryClientCustomizer {

    /** Changes {@code builder}; called once, before the client is built. */
    void customize(QueryClient.Builder builder);
}
