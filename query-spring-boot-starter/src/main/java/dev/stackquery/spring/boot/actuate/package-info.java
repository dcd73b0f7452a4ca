/** Actuator support: the {@code queries} endpoint, the {@code stackquery} health contributor and the meters. */
@NullMarked
package dev.stackquery.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
