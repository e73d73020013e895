package dev.tollgate.apikey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys table of {@code keys-source=jdbc} and the statements on it. One row per key, with the
 * attributes of a keys-file line:
 * <pre>
 * client_id   VARCHAR(64) PRIMARY KEY  -- the client id, as in the keys file
 * key_sha256  CHAR(64) UNIQUE          -- the SHA-256 of the key, 64 hex characters
 * plan        VARCHAR(64)              -- the rate-limit plan, or NULL
 * expires     VARCHAR(40)              -- an ISO-8601 instant (2027-01-31T00:00:00Z), or NULL
 * methods     VARCHAR(255)             -- comma-separated methods (GET,HEAD), or NULL for any
 * paths       VARCHAR(2000)            -- comma-separated path prefixes (/api/a,/api/b), or NULL for any
 * enabled     BOOLEAN                  -- false: the row is not loaded
 * updated_at  BIGINT                   -- epoch millis of the row's last change: set it on every write
 * </pre>
 * The rows are read with {@code SELECT *} and their columns by name, so a column named like a
 * reserved word of one database ({@code plan} on SQL Server) needs no quoting here, and other
 * columns of the application's own are ignored. A cheap query, {@code COUNT}, {@code MAX} and
 * {@code SUM} of {@code updated_at}, tells whether the rows changed since they were last read.
 */
final class ApiKeysTable {

    /** A table name, optionally with its schema: letters, digits and {@code _}, not starting with a digit. */
    static final Pattern NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");
    static final String NAME_RULE = "must be a table name, letters, digits and _ (not starting with a digit), "
            + "optionally after a schema and a dot, like tollgate_api_keys or app.tollgate_api_keys";
    static final String DEFAULT_NAME = "tollgate_api_keys";
    /** The columns the store reads, in the order of the DDL. */
    static final List<String> COLUMNS = List.of("client_id", "key_sha256", "plan", "expires", "methods", "paths", "enabled", "updated_at");
    /** Seconds any one statement may take. */
    static final int QUERY_TIMEOUT_SECONDS = 30;

    private final String name;
    private final String probe;
    private final String stamp;
    private final String rows;

    ApiKeysTable(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(NAME_RULE);
        }
        this.name = name;
        this.probe = "SELECT * FROM " + name + " WHERE 1 = 0";
        this.stamp = "SELECT COUNT(*), MAX(updated_at), SUM(updated_at) FROM " + name;
        this.rows = "SELECT * FROM " + name;
    }

    String name() {
        return name;
    }

    /**
     * One row as read: the text of its columns (stripped; blank is {@code null}) and whether it is
     * enabled. Its {@code toString} never shows the hash, nor a client id that may be a key.
     */
    record Row(String clientId, String hash, String plan, String expires, String methods, String paths, boolean enabled) {
        @Override
        public String toString() {
            return "Row[enabled=" + enabled + "]";
        }
    }

    /**
     * The columns of {@link #COLUMNS} the table lacks (empty when it has them all); a missing
     * table throws the database's {@link SQLException} ({@link #isMissingTable}).
     */
    List<String> missingColumns(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(probe)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet r = s.executeQuery()) {
                ResultSetMetaData meta = r.getMetaData();
                Set<String> present = new LinkedHashSet<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    present.add(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
                }
                return COLUMNS.stream().filter(column -> !present.contains(column)).toList();
            }
        }
    }

    /**
     * What the cheap query says of the table: its number of rows, and the largest and the sum of
     * their {@code updated_at}, as text (the databases answer with different number types). Any
     * written row, added or deleted row changes it, as long as each write sets {@code updated_at}.
     */
    List<String> stamp(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(stamp)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    throw new SQLException("no answer to " + stamp);
                }
                return List.of(String.valueOf(r.getString(1)), String.valueOf(r.getString(2)), String.valueOf(r.getString(3)));
            }
        }
    }

    /** Every row, ordered by client id (as Java orders it, so the same on every database; a missing one first). */
    List<Row> read(Connection c) throws SQLException {
        List<Row> all = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(rows)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    boolean enabled = r.getBoolean("enabled");
                    enabled = enabled && !r.wasNull();
                    all.add(new Row(text(r, "client_id"), text(r, "key_sha256"), text(r, "plan"), text(r, "expires"),
                            text(r, "methods"), text(r, "paths"), enabled));
                }
            }
        }
        all.sort(Comparator.comparing(Row::clientId, Comparator.nullsFirst(Comparator.naturalOrder())));
        return all;
    }

    private static String text(ResultSet r, String column) throws SQLException {
        String value = r.getString(column);
        if (value == null) {
            return null;
        }
        String stripped = value.strip();
        return stripped.isEmpty() ? null : stripped;
    }

    /** The databases whose DDL this class knows, with the names the DDL is printed under. */
    enum Dialect {
        POSTGRESQL("PostgreSQL"), MARIADB("MariaDB/MySQL"), ORACLE("Oracle"), SQLSERVER("SQL Server"), H2("H2");

        private final String title;

        Dialect(String title) {
            this.title = title;
        }
    }

    /** The dialect of a {@code DatabaseMetaData.getDatabaseProductName()}, or {@code null} for another database. */
    static Dialect dialect(String productName) {
        String product = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return Dialect.POSTGRESQL;
        }
        if (product.contains("mariadb") || product.contains("mysql")) {
            return Dialect.MARIADB;
        }
        if (product.contains("oracle")) {
            return Dialect.ORACLE;
        }
        if (product.contains("microsoft") || product.contains("sql server")) {
            return Dialect.SQLSERVER;
        }
        return product.equals("h2") || product.startsWith("h2 ") ? Dialect.H2 : null;
    }

    /** The statement that creates the table on {@code dialect} (without a closing semicolon). */
    String ddl(Dialect dialect) {
        String columns = switch (dialect) {
            case POSTGRESQL, H2 -> "client_id VARCHAR(64) NOT NULL PRIMARY KEY, key_sha256 CHAR(64) NOT NULL UNIQUE, plan VARCHAR(64), "
                    + "expires VARCHAR(40), methods VARCHAR(255), paths VARCHAR(2000), enabled BOOLEAN DEFAULT TRUE NOT NULL, "
                    + "updated_at BIGINT NOT NULL";
            // Binary collation: the default ones ignore case, and would take Alice and alice for one client.
            case MARIADB -> "client_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, "
                    + "key_sha256 CHAR(64) CHARACTER SET ascii NOT NULL UNIQUE, plan VARCHAR(64), expires VARCHAR(40), "
                    + "methods VARCHAR(255), paths VARCHAR(2000), enabled BOOLEAN DEFAULT TRUE NOT NULL, updated_at BIGINT NOT NULL";
            case ORACLE -> "client_id VARCHAR2(64) NOT NULL PRIMARY KEY, key_sha256 CHAR(64) NOT NULL UNIQUE, plan VARCHAR2(64), "
                    + "expires VARCHAR2(40), methods VARCHAR2(255), paths VARCHAR2(2000), enabled NUMBER(1) DEFAULT 1 NOT NULL, "
                    + "updated_at NUMBER(19) NOT NULL";
            // PLAN is a reserved word of SQL Server.
            case SQLSERVER -> "client_id VARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY, key_sha256 CHAR(64) NOT NULL "
                    + "UNIQUE, [plan] VARCHAR(64), expires VARCHAR(40), methods VARCHAR(255), paths NVARCHAR(2000), "
                    + "enabled BIT DEFAULT 1 NOT NULL, updated_at BIGINT NOT NULL";
        };
        return "CREATE TABLE " + name + " (" + columns + ")";
    }

    /** The DDL of every database this class knows, each under a comment that names it. */
    String allDdl() {
        StringBuilder all = new StringBuilder();
        for (Dialect dialect : Dialect.values()) {
            all.append("-- ").append(dialect.title).append('\n').append(ddl(dialect)).append(";\n");
        }
        return all.toString();
    }
}
