/**
 * StackQuery's public API: {@link dev.stackquery.QueryClient} and the types it takes and returns.
 *
 * <p>Everything in this package that is not public is implementation and may change in any release.
 */
@NullMarked
package dev.stackquery;

import org.jspecify.annotations.NullMarked;
