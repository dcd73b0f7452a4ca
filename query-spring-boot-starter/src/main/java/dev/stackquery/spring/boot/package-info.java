/** Auto-configuration of StackQuery for Spring Boot: the {@code QueryClient} bean, its L2 and its properties. */
@NullMarked
package dev.stackquery.spring.boot;

import org.jspecify.annotations.NullMarked;
