/**
 * An L2 {@link dev.stackquery.StorageBackend} on plain JDBC: a SQLite file by default, PostgreSQL and H2 as well.
 */
@NullMarked
package dev.stackquery.jdbc;

import org.jspecify.annotations.NullMarked;
