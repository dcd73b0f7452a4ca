package dev.stackquery.jdbc;

import java.util.Locale;

/**
 * The SQL that differs between databases: the binary column type and the upsert. Everything else the backend
 * sends is plain SQL-92 that SQLite, PostgreSQL and H2 all accept.
 */
enum SqlDialect {

    SQLITE("BLOB") {
        @Override
        String upsert(String table) {
            return "INSERT INTO " + table + " (cache_key, payload, updated_at, expires_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (cache_key) DO UPDATE SET payload = excluded.payload,"
                    + " updated_at = excluded.updated_at, expires_at = excluded.expires_at";
        }
    },
    POSTGRESQL("BYTEA") {
        @Override
        String upsert(String table) {
            return SQLITE.upsert(table);
        }
    },
    H2("VARBINARY") {
        @Override
        String upsert(String table) {
            return "MERGE INTO " + table + " (cache_key, payload, updated_at, expires_at) KEY (cache_key)"
                    + " VALUES (?, ?, ?, ?)";
        }

        @Override
        int length(String text) {
            return text.length(); // H2 strings are Java strings: SUBSTR counts UTF-16 units
        }
    };

    private final String binaryType;

    SqlDialect(String binaryType) {
        this.binaryType = binaryType;
    }

    abstract String upsert(String table);

    /** Length of {@code text} as the database's {@code SUBSTR} counts it: code points for SQLite and PostgreSQL. */
    int length(String text) {
        return text.codePointCount(0, text.length());
    }

    String createTable(String table) {
        return "CREATE TABLE IF NOT EXISTS " + table + " (cache_key VARCHAR(2048) NOT NULL PRIMARY KEY, payload "
                + binaryType + " NOT NULL, updated_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)";
    }

    /** The dialect of a database, by its {@code DatabaseMetaData.getDatabaseProductName()}. */
    static SqlDialect of(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("sqlite")) {
            return SQLITE;
        }
        if (name.contains("postgres")) {
            return POSTGRESQL;
        }
        if (name.contains("h2")) {
            return H2;
        }
        throw new IllegalArgumentException("JdbcStorageBackend supports SQLite, PostgreSQL and H2, not '"
                + productName + "'");
    }
}
