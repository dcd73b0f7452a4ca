/** The devtools page: the live query cache in a browser, off unless {@code stackquery.devtools.enabled=true}. */
@NullMarked
package dev.stackquery.spring.boot.devtools;

import org.jspecify.annotations.NullMarked;
