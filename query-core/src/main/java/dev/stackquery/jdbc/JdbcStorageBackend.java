package dev.stackquery.jdbc;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.stackquery.QueryKey;
import dev.stackquery.StorageBackend;
import dev.stackquery.StorageEntry;

import org.jspecify.annotations.Nullable;

/**
 * An L2 in a relational table, through plain JDBC: one row per query, keyed by {@link QueryKey#canonical()}, holding
 * the {@link StorageEntry#toBytes() versioned envelope}, its {@code dataUpdatedAt} and when it expires.
 *
 * <p>Made for a SQLite file (one instance whose cache must survive restarts: {@link #sqlite(Path)}); PostgreSQL and
 * H2 work too. The table is created when missing; SQLite files are switched to WAL and every SQLite connection waits
 * up to 5 s for a lock rather than failing. JDBC blocks, so every call runs on the backend's executor: by default a
 * single thread for SQLite (which has one writer at a time anyway) and four threads otherwise. Expired rows are
 * ignored on read and purged now and then on write. {@link #close()} lets queued writes finish (up to 10 s) and
 * leaves the {@link DataSource} to its owner.
 *
 * <p>Thread-safe.
 */
public final class JdbcStorageBackend implements StorageBackend {

    private static final System.Logger LOG = System.getLogger("dev.stackquery.jdbc.JdbcStorageBackend");
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final int PURGE_EVERY_PUTS = 256;

    private final DataSource dataSource;
    private final String table;
    private final SqlDialect dialect;
    private final Executor executor;
    private final @Nullable ExecutorService ownedExecutor;
    private final Clock clock;
    private final AtomicInteger putsSincePurge = new AtomicInteger();
    private volatile boolean closed;

    private JdbcStorageBackend(Builder builder) {
        this.dataSource = builder.dataSource;
        this.table = builder.table;
        this.clock = builder.clock;
        try (Connection connection = dataSource.getConnection()) {
            this.dialect = SqlDialect.of(connection.getMetaData().getDatabaseProductName());
            if (dialect == SqlDialect.SQLITE) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("PRAGMA journal_mode=WAL");
                }
            }
            if (builder.createTable) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(dialect.createTable(table));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("JdbcStorageBackend could not prepare table '" + table + "': "
                    + e.getMessage(), e);
        }
        if (builder.executor != null) {
            this.executor = builder.executor;
            this.ownedExecutor = null;
        } else {
            ExecutorService service = Executors.newFixedThreadPool(dialect == SqlDialect.SQLITE ? 1 : 4, task -> {
                Thread thread = new Thread(task, "stackquery-jdbc");
                thread.setDaemon(true);
                return thread;
            });
            this.executor = service;
            this.ownedExecutor = service;
        }
    }

    /** Starts a backend on {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * A backend on the SQLite file {@code file}, created when missing (its folder must exist), with default
     * settings. The {@code org.xerial:sqlite-jdbc} driver must be on the class path.
     */
    public static JdbcStorageBackend sqlite(Path file) {
        Objects.requireNonNull(file, "file");
        return builder(new DriverManagerDataSource("jdbc:sqlite:" + file.toAbsolutePath())).build();
    }

    @Override
    public CompletableFuture<Optional<StorageEntry>> get(QueryKey key) {
        String id = key.canonical();
        return run(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT payload, expires_at FROM " + table + " WHERE cache_key = ?")) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    byte[] payload = row.getBytes(1);
                    long expiresAt = row.getLong(2);
                    if (expiresAt <= clock.millis()) {
                        return Optional.empty();
                    }
                    // Throws CorruptStorageEntryException for a row that is not an envelope: the client deletes it.
                    return Optional.of(StorageEntry.fromBytes(payload == null ? new byte[0] : payload));
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> put(QueryKey key, StorageEntry entry, Duration ttl) {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(ttl, "ttl");
        String id = key.canonical();
        byte[] envelope = entry.toBytes();
        long now = clock.millis();
        long expiresAt = saturatedAdd(now, ttl);
        boolean purge = putsSincePurge.incrementAndGet() % PURGE_EVERY_PUTS == 0;
        return run(connection -> {
            try (PreparedStatement upsert = connection.prepareStatement(dialect.upsert(table))) {
                upsert.setString(1, id);
                upsert.setBytes(2, envelope);
                upsert.setLong(3, entry.dataUpdatedAt().toEpochMilli());
                upsert.setLong(4, expiresAt);
                upsert.executeUpdate();
            }
            if (purge) {
                deleteExpired(connection, now);
            }
            return null;
        });
    }

    /** Checks a connection ({@link Connection#isValid}, 1 s); {@code false} when none can be had. */
    @Override
    public CompletableFuture<Boolean> ping() {
        return run(connection -> connection.isValid(1)).exceptionally(error -> false);
    }

    @Override
    public CompletableFuture<Void> delete(QueryKey key) {
        String id = key.canonical();
        return run(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM " + table + " WHERE cache_key = ?")) {
                delete.setString(1, id);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> deleteByPrefix(QueryKey prefix) {
        String exact = prefix.canonical();
        String below = prefix.canonicalChildPrefix();
        return run(connection -> {
            // SUBSTR rather than LIKE: LIKE is case-insensitive in SQLite and needs escaping everywhere.
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table
                    + " WHERE cache_key = ? OR SUBSTR(cache_key, 1, ?) = ?")) {
                delete.setString(1, exact);
                delete.setInt(2, dialect.length(below));
                delete.setString(3, below);
                delete.executeUpdate();
            }
            return null;
        });
    }

    /** Deletes every expired row now; returns how many. Blocks. */
    public int purgeExpired() {
        return run(connection -> deleteExpired(connection, clock.millis())).join();
    }

    private int deleteExpired(Connection connection, long now) throws SQLException {
        try (PreparedStatement expired = connection.prepareStatement(
                "DELETE FROM " + table + " WHERE expires_at <= ?")) {
            expired.setLong(1, now);
            return expired.executeUpdate();
        }
    }

    @Override
    public String name() {
        return "jdbc";
    }

    /** The table this backend uses. */
    public String table() {
        return table;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
            try {
                if (!ownedExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.log(Level.WARNING, "JdbcStorageBackend: writes still queued after 10 s were dropped");
                    ownedExecutor.shutdownNow();
                }
            } catch (InterruptedException e) {
                ownedExecutor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    @FunctionalInterface
    private interface SqlWork<X> {
        X apply(Connection connection) throws SQLException;
    }

    private <X> CompletableFuture<X> run(SqlWork<X> work) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("JdbcStorageBackend is closed"));
        }
        CompletableFuture<X> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try (Connection connection = connect()) {
                    result.complete(work.apply(connection));
                } catch (SQLException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private Connection connect() throws SQLException {
        Connection connection = dataSource.getConnection();
        if (dialect == SqlDialect.SQLITE) {
            // Per connection: wait for another writer's lock instead of failing with SQLITE_BUSY.
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA busy_timeout = 5000");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    private static long saturatedAdd(long now, Duration ttl) {
        try {
            return Math.addExact(now, ttl.toMillis());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Builds a {@link JdbcStorageBackend}; each setter checks its value. Not thread-safe. */
    public static final class Builder {

        private final DataSource dataSource;
        private String table = "stackquery_entries";
        private @Nullable Executor executor;
        private Clock clock = Clock.systemUTC();
        private boolean createTable = true;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /** Table name (default {@code stackquery_entries}); letters, digits and underscores only. */
        public Builder table(String table) {
            Objects.requireNonNull(table, "table");
            if (!TABLE_NAME.matcher(table).matches()) {
                throw new IllegalArgumentException("table must be a plain SQL identifier (letters, digits, _): '"
                        + table + "'");
            }
            this.table = table;
            return this;
        }

        /** Executor for the blocking JDBC calls; the backend does not shut down one it did not create. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Clock for TTLs (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Whether to create the table when it is missing (default true). */
        public Builder createTable(boolean createTable) {
            this.createTable = createTable;
            return this;
        }

        /**
         * The backend; connects once to detect the database and prepare the table.
         *
         * @throws IllegalStateException if the database cannot be reached or the table cannot be created
         * @throws IllegalArgumentException if the database is not SQLite, PostgreSQL or H2
         */
        public JdbcStorageBackend build() {
            return new JdbcStorageBackend(this);
        }
    }
}
