package dev.recipes.store.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.recipes.core.Secret;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A schema of its own on the PostgreSQL server at 127.0.0.1:5432 (database {@code test}, user
 * {@code postgres}), created fresh for one test class and dropped after it. Tests are skipped
 * with a message when no server answers.
 */
final class PostgresFixture implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final int PORT = 5432;
    static final String DATABASE = "test";
    static final String USER = "postgres";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final String schema;

    private PostgresFixture() {
        dataSource.setServerNames(new String[] {HOST});
        dataSource.setPortNumbers(new int[] {PORT});
        dataSource.setDatabaseName(DATABASE);
        dataSource.setUser(USER);
        dataSource.setConnectTimeout(5);
        byte[] suffix = new byte[6];
        RANDOM.nextBytes(suffix);
        schema = "recipes_store_test_" + HexFormat.of().formatHex(suffix);
    }

    /** Creates a fresh schema, or skips the test class when PostgreSQL does not answer. */
    static PostgresFixture start() {
        PostgresFixture fixture = new PostgresFixture();
        try (Connection db = fixture.dataSource.getConnection()) {
            fixture.execute(db, "CREATE SCHEMA " + fixture.schema);
        } catch (SQLException e) {
            assumeTrue(false, "PostgreSQL does not answer on " + HOST + ":" + PORT + " (database '"
                    + DATABASE + "', user '" + USER + "'): " + e.getMessage()
                    + "; start it to run these tests");
        }
        return fixture;
    }

    DataSource dataSource() {
        return dataSource;
    }

    String schema() {
        return schema;
    }

    /** A table name in this fixture's schema. */
    String table(String name) {
        return schema + "." + name;
    }

    /** Runs one SQL statement, such as an update that tampers with a row. */
    void execute(String sql) throws SQLException {
        try (Connection db = dataSource.getConnection()) {
            execute(db, sql);
        }
    }

    private void execute(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A fresh random AES-256 key, as the base64 a user would configure. */
    static Secret newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Secret.of(Base64.getEncoder().encodeToString(key));
    }

    @Override
    public void close() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
}
