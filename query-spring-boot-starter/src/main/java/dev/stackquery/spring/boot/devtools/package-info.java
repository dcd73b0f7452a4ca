/**
 * The devtools console: the live query cache in a browser (queries, one query in detail, a timeline of cache events,
 * charts), off unless {@code stackquery.devtools.enabled=true}.
 */
@NullMarked
package dev.stackquery.spring.boot.devtools;

import org.jspecify.annotations.NullMarked;
