package dev.recipes.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.RecipeException;
import dev.recipes.core.polling.PollState;
import dev.recipes.core.polling.StateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link StateStore} in one PostgreSQL table reached through a JDBC {@link DataSource}, so
 * that polling triggers resume where they stopped after a restart, and an engine instance that
 * takes a poll over from another starts where that one ended.
 *
 * <p>{@link #builder(DataSource)} creates the table if it is absent:
 *
 * <pre>{@code
 * CREATE TABLE IF NOT EXISTS recipes_poll_state (
 *     source_key  TEXT PRIMARY KEY,        -- such as google-sheets/default/1AbC/Log!A:D/new-row
 *     poll_cursor TEXT,                    -- null until the source gives one
 *     seen_keys   TEXT NOT NULL,           -- JSON array, least recently seen first
 *     updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
 * )
 * }</pre>
 *
 * <p>Each save is one {@code INSERT ... ON CONFLICT DO UPDATE} of the whole state, so a reader
 * sees the cursor and the seen keys of one save together. The user brings the JDBC driver and
 * the {@code DataSource}, pooled or not. Thread-safe.
 */
public final class JdbcStateStore implements StateStore {

    private static final Pattern TABLE =
            Pattern.compile("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> KEYS = new TypeReference<>() {
    };

    private final DataSource dataSource;
    private final String table;

    private JdbcStateStore(DataSource dataSource, String table) {
        this.dataSource = dataSource;
        this.table = table;
    }

    /**
     * Starts a store on a data source.
     *
     * @param dataSource where the table lives; the store takes a connection per call and
     *     closes it
     * @return a builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * Reads the state of a source.
     *
     * @throws RecipeException if the database fails or the stored keys are not a JSON array
     *     of text
     */
    @Override
    public Optional<PollState> load(String key) {
        Objects.requireNonNull(key, "key");
        String sql = "SELECT poll_cursor, seen_keys FROM " + table + " WHERE source_key = ?";
        return run("load '" + key + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, key);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new PollState(rows.getString(1),
                            decode(key, rows.getString(2))));
                }
            }
        });
    }

    /**
     * Saves the state of a source.
     *
     * @throws RecipeException if the database fails
     */
    @Override
    public void save(String key, PollState state) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
        String sql = "INSERT INTO " + table + " (source_key, poll_cursor, seen_keys)"
                + " VALUES (?, ?, ?) ON CONFLICT (source_key) DO UPDATE SET"
                + " poll_cursor = EXCLUDED.poll_cursor, seen_keys = EXCLUDED.seen_keys,"
                + " updated_at = now()";
        String keys = encode(state.seenKeys());
        run("save '" + key + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, key);
                statement.setString(2, state.cursor());
                statement.setString(3, keys);
                return statement.executeUpdate();
            }
        });
    }

    /**
     * Forgets the state of a source.
     *
     * @throws RecipeException if the database fails
     */
    @Override
    public boolean delete(String key) {
        Objects.requireNonNull(key, "key");
        String sql = "DELETE FROM " + table + " WHERE source_key = ?";
        return run("delete '" + key + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, key);
                return statement.executeUpdate() > 0;
            }
        });
    }

    private void createTable() {
        // Limitation: two stores created at the same moment on a fresh database can both try
        // to create the table; PostgreSQL then fails one of them, which can simply retry.
        String ddl = "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "source_key TEXT PRIMARY KEY, poll_cursor TEXT, seen_keys TEXT NOT NULL,"
                + " updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())";
        run("create table", db -> {
            try (Statement statement = db.createStatement()) {
                return statement.executeUpdate(ddl);
            }
        });
    }

    private String encode(List<String> keys) {
        try {
            return JSON.writeValueAsString(keys);
        } catch (JsonProcessingException e) {
            throw new RecipeException("state store '" + table + "': seen keys cannot be "
                    + "written as JSON", e);
        }
    }

    private List<String> decode(String key, String json) {
        try {
            List<String> keys = JSON.readValue(json, KEYS);
            if (keys == null || keys.contains(null)) {
                throw new RecipeException("state store '" + table + "': seen keys of '" + key
                        + "' hold null");
            }
            return keys;
        } catch (JsonProcessingException e) {
            throw new RecipeException("state store '" + table + "': seen keys of '" + key
                    + "' are not a JSON array of text: " + e.getOriginalMessage(), e);
        }
    }

    private <T> T run(String what, SqlWork<T> work) {
        try (java.sql.Connection db = dataSource.getConnection()) {
            return work.apply(db);
        } catch (SQLException e) {
            throw new RecipeException("state store '" + table + "': " + what + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "JdbcStateStore[table=" + table + "]";
    }

    /** Work on one JDBC connection. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T apply(java.sql.Connection db) throws SQLException;
    }

    /** Builds a {@link JdbcStateStore}. */
    public static final class Builder {

        private final DataSource dataSource;
        private String table;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * Sets the table, by default {@code recipes_poll_state}.
         *
         * @param table a lowercase table name, optionally qualified by a schema:
         *     {@code schema.table}
         * @return this builder
         * @throws IllegalArgumentException if the name is not a plain lowercase identifier
         * @throws IllegalStateException if a table was set before
         */
        public Builder table(String table) {
            Objects.requireNonNull(table, "table");
            if (this.table != null) {
                throw new IllegalStateException("state store: table is already '" + this.table
                        + "'");
            }
            if (!TABLE.matcher(table).matches()) {
                throw new IllegalArgumentException("state store: table '" + table
                        + "' must be a lowercase identifier, optionally as schema.table");
            }
            this.table = table;
            return this;
        }

        /**
         * Builds the store and creates its table if it is absent.
         *
         * @return the store
         * @throws RecipeException if the table cannot be created
         */
        public JdbcStateStore build() {
            JdbcStateStore store = new JdbcStateStore(dataSource,
                    table != null ? table : "recipes_poll_state");
            store.createTable();
            return store;
        }
    }
}
