package dev.recipes.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link ConnectionStore} in one PostgreSQL table reached through a JDBC {@link DataSource},
 * so connections survive restarts and every engine instance using the same table sees the same
 * connections. Settings are stored as JSON text; each secret is encrypted with AES-GCM under
 * the current key of a {@link KeyRing}, and names the id of its key.
 *
 * <p>{@link #builder(DataSource)} creates the table if it is absent:
 *
 * <pre>{@code
 * CREATE TABLE IF NOT EXISTS recipes_connections (
 *     service    TEXT NOT NULL,
 *     id         TEXT NOT NULL,
 *     settings   TEXT NOT NULL,  -- JSON object: name -> value
 *     secrets    TEXT NOT NULL,  -- JSON object: name -> {"key": id, "iv": b64, "data": b64}
 *     updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
 *     PRIMARY KEY (service, id)
 * )
 * }</pre>
 *
 * <p>{@link #replace(Connection, Connection)} locks the row ({@code SELECT ... FOR UPDATE}) in
 * a transaction, so of several instances racing to replace one version exactly one wins.
 * {@link #reencrypt()} moves every secret to the current key after a rotation.
 *
 * <p>The user brings the JDBC driver and the {@code DataSource}, pooled or not. Thread-safe.
 * {@link #toString()} shows the table and key ids, never a key.
 */
public final class JdbcConnectionStore implements ConnectionStore {

    private static final Pattern TABLE =
            Pattern.compile("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> SETTINGS = new TypeReference<>() {
    };
    private static final TypeReference<TreeMap<String, SealedJson>> SECRETS =
            new TypeReference<>() {
            };

    private final DataSource dataSource;
    private final String table;
    private final SecretCipher cipher;

    private JdbcConnectionStore(DataSource dataSource, String table, KeyRing keys) {
        this.dataSource = dataSource;
        this.table = table;
        this.cipher = new SecretCipher(keys);
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

    @Override
    public Optional<Connection> find(String service, String id) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(id, "id");
        return run("find '" + service + "/" + id + "'", db -> select(db, service, id, false));
    }

    @Override
    public void put(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        String sql = "INSERT INTO " + table + " (service, id, settings, secrets)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (service, id) DO UPDATE SET"
                + " settings = EXCLUDED.settings, secrets = EXCLUDED.secrets, updated_at = now()";
        Row row = encode(connection);
        run("put '" + connection.service() + "/" + connection.id() + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, connection.service());
                statement.setString(2, connection.id());
                statement.setString(3, row.settings());
                statement.setString(4, row.secrets());
                return statement.executeUpdate();
            }
        });
    }

    @Override
    public boolean delete(String service, String id) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(id, "id");
        String sql = "DELETE FROM " + table + " WHERE service = ? AND id = ?";
        return run("delete '" + service + "/" + id + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, service);
                statement.setString(2, id);
                return statement.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<Connection> list(String service) {
        Objects.requireNonNull(service, "service");
        String sql = "SELECT id, settings, secrets FROM " + table
                + " WHERE service = ? ORDER BY id COLLATE \"C\"";
        return run("list '" + service + "'", db -> {
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                statement.setString(1, service);
                List<Connection> connections = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        connections.add(decode(service, rows.getString(1),
                                new Row(rows.getString(2), rows.getString(3))));
                    }
                }
                return connections;
            }
        });
    }

    @Override
    public boolean replace(Connection expected, Connection updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.service().equals(updated.service()) || !expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("connection '" + expected.service() + "/"
                    + expected.id() + "': cannot be replaced by '" + updated.service() + "/"
                    + updated.id() + "'; replace keeps the service and id");
        }
        Row row = encode(updated);
        return inTransaction("replace '" + expected.service() + "/" + expected.id() + "'", db -> {
            Optional<Connection> stored = select(db, expected.service(), expected.id(), true);
            if (stored.isEmpty() || !stored.get().equals(expected)) {
                return false;
            }
            update(db, updated.service(), updated.id(), row);
            return true;
        });
    }

    /**
     * Re-encrypts every secret not under the current key with the current key, one connection
     * per transaction, so older keys can then be dropped from the key ring. Safe to run while
     * engines use the store, and to run again.
     *
     * @return how many connections were re-encrypted
     * @throws RecipeException if a secret names a key the ring does not hold, or fails to
     *     decrypt; connections moved before it stay moved
     */
    public int reencrypt() {
        List<StoredId> ids = run("list all", db -> {
            List<StoredId> all = new ArrayList<>();
            try (Statement statement = db.createStatement();
                    ResultSet rows = statement.executeQuery(
                            "SELECT service, id FROM " + table + " ORDER BY service, id")) {
                while (rows.next()) {
                    all.add(new StoredId(rows.getString(1), rows.getString(2)));
                }
            }
            return all;
        });
        int moved = 0;
        for (StoredId id : ids) {
            if (reencrypt(id.service(), id.id())) {
                moved++;
            }
        }
        return moved;
    }

    private boolean reencrypt(String service, String id) {
        return inTransaction("re-encrypt '" + service + "/" + id + "'", db -> {
            Optional<Row> row = selectRow(db, service, id, true);
            if (row.isEmpty() || !needsCurrentKey(service, id, row.get())) {
                return false;
            }
            update(db, service, id, encode(decode(service, id, row.get())));
            return true;
        });
    }

    private boolean needsCurrentKey(String service, String id, Row row) {
        return readSecrets(service, id, row.secrets()).values().stream()
                .anyMatch(sealed -> !sealed.key.equals(cipher.currentKeyId()));
    }

    private Optional<Connection> select(java.sql.Connection db, String service, String id,
            boolean lock) throws SQLException {
        return selectRow(db, service, id, lock).map(row -> decode(service, id, row));
    }

    private Optional<Row> selectRow(java.sql.Connection db, String service, String id,
            boolean lock) throws SQLException {
        String sql = "SELECT settings, secrets FROM " + table + " WHERE service = ? AND id = ?"
                + (lock ? " FOR UPDATE" : "");
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, service);
            statement.setString(2, id);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next()
                        ? Optional.of(new Row(rows.getString(1), rows.getString(2)))
                        : Optional.empty();
            }
        }
    }

    private void update(java.sql.Connection db, String service, String id, Row row)
            throws SQLException {
        String sql = "UPDATE " + table + " SET settings = ?, secrets = ?, updated_at = now()"
                + " WHERE service = ? AND id = ?";
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, row.settings());
            statement.setString(2, row.secrets());
            statement.setString(3, service);
            statement.setString(4, id);
            statement.executeUpdate();
        }
    }

    private Row encode(Connection connection) {
        Map<String, SealedJson> secrets = new TreeMap<>();
        connection.secrets().forEach((name, secret) -> secrets.put(name, SealedJson.of(
                cipher.seal(connection.service(), connection.id(), name, secret))));
        try {
            return new Row(JSON.writeValueAsString(new TreeMap<>(connection.settings())),
                    JSON.writeValueAsString(secrets));
        } catch (JsonProcessingException e) {
            throw new RecipeException("connection '" + connection.service() + "/"
                    + connection.id() + "': could not be written as JSON", e);
        }
    }

    private Connection decode(String service, String id, Row row) {
        Map<String, Secret> secrets = new TreeMap<>();
        readSecrets(service, id, row.secrets()).forEach((name, sealed) ->
                secrets.put(name, cipher.open(service, id, name, sealed.toSealed())));
        return new Connection(service, id, readSettings(service, id, row.settings()), secrets);
    }

    private Map<String, String> readSettings(String service, String id, String json) {
        try {
            Map<String, String> settings = JSON.readValue(json, SETTINGS);
            if (settings == null || settings.containsValue(null)) {
                throw malformed(service, id, "settings");
            }
            return settings;
        } catch (JsonProcessingException e) {
            throw malformed(service, id, "settings");
        }
    }

    private Map<String, SealedJson> readSecrets(String service, String id, String json) {
        try {
            Map<String, SealedJson> secrets = JSON.readValue(json, SECRETS);
            if (secrets == null) {
                throw malformed(service, id, "secrets");
            }
            for (SealedJson sealed : secrets.values()) {
                if (sealed == null || sealed.key == null || sealed.iv == null
                        || sealed.data == null) {
                    throw malformed(service, id, "secrets");
                }
            }
            return secrets;
        } catch (JsonProcessingException e) {
            throw malformed(service, id, "secrets");
        }
    }

    private RecipeException malformed(String service, String id, String column) {
        return new RecipeException("connection '" + service + "/" + id + "': stored " + column
                + " in table '" + table + "' are not the JSON this store writes");
    }

    private void createTable() {
        // Limitation: two stores created at the same moment on a fresh database can both try
        // to create the table; PostgreSQL then fails one of them, which can simply retry.
        String ddl = "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "service TEXT NOT NULL, id TEXT NOT NULL, settings TEXT NOT NULL,"
                + " secrets TEXT NOT NULL,"
                + " updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),"
                + " PRIMARY KEY (service, id))";
        run("create table", db -> {
            try (Statement statement = db.createStatement()) {
                return statement.executeUpdate(ddl);
            }
        });
    }

    private <T> T run(String what, SqlWork<T> work) {
        try (java.sql.Connection db = dataSource.getConnection()) {
            return work.apply(db);
        } catch (SQLException e) {
            throw sqlFailure(what, e);
        }
    }

    private <T> T inTransaction(String what, SqlWork<T> work) {
        return run(what, db -> {
            boolean autoCommit = db.getAutoCommit();
            db.setAutoCommit(false);
            try {
                T result = work.apply(db);
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(autoCommit);
            }
        });
    }

    private RecipeException sqlFailure(String what, SQLException e) {
        return new RecipeException("connection store '" + table + "': " + what + " failed: "
                + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "JdbcConnectionStore[table=" + table + ", keys=" + cipher.keys() + "]";
    }

    /** Work on one JDBC connection. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T apply(java.sql.Connection db) throws SQLException;
    }

    /** The key of one row. */
    private record StoredId(String service, String id) {
    }

    /** The two stored columns of a connection. */
    private record Row(String settings, String secrets) {
    }

    /** One encrypted secret as JSON. */
    private static final class SealedJson {
        public String key;
        public String iv;
        public String data;

        static SealedJson of(SecretCipher.Sealed sealed) {
            SealedJson json = new SealedJson();
            json.key = sealed.keyId();
            json.iv = sealed.iv();
            json.data = sealed.data();
            return json;
        }

        SecretCipher.Sealed toSealed() {
            return new SecretCipher.Sealed(key, iv, data);
        }
    }

    /** Builds a {@link JdbcConnectionStore}. */
    public static final class Builder {

        private final DataSource dataSource;
        private String table = "recipes_connections";
        private KeyRing keys;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * Sets the table, by default {@code recipes_connections}.
         *
         * @param table a lowercase table name, optionally qualified by a schema:
         *     {@code schema.table}
         * @return this builder
         * @throws IllegalArgumentException if the name is not a plain lowercase identifier
         */
        public Builder table(String table) {
            Objects.requireNonNull(table, "table");
            if (!TABLE.matcher(table).matches()) {
                throw new IllegalArgumentException("connection store: table '" + table
                        + "' must be a lowercase identifier, optionally as schema.table");
            }
            this.table = table;
            return this;
        }

        /**
         * Sets the keys that encrypt secrets; required.
         *
         * @param keys the key ring
         * @return this builder
         * @throws IllegalArgumentException if keys were already set
         */
        public Builder keys(KeyRing keys) {
            Objects.requireNonNull(keys, "keys");
            if (this.keys != null) {
                throw new IllegalArgumentException("connection store: keys are already set to "
                        + this.keys);
            }
            this.keys = keys;
            return this;
        }

        /**
         * Creates the table if it is absent and returns the store.
         *
         * @return the store
         * @throws IllegalStateException if no keys were set
         * @throws RecipeException if the database cannot be reached or the table not created
         */
        public JdbcConnectionStore build() {
            if (keys == null) {
                throw new IllegalStateException("connection store: no keys; call keys(KeyRing)");
            }
            JdbcConnectionStore store = new JdbcConnectionStore(dataSource, table, keys);
            store.createTable();
            return store;
        }
    }
}
