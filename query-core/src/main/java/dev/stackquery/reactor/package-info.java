/**
 * A Reactor facade over {@link dev.stackquery.QueryClient}, for WebFlux applications. Needs {@code reactor-core},
 * which query-core declares optional.
 */
@NullMarked
package dev.stackquery.reactor;

import org.jspecify.annotations.NullMarked;
