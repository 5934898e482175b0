package dev.recipes.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

final class KeyRotationTest {

    private static final String TOKEN = "xoxb-2222-secret-bot-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PostgresFixture postgres;

    private final Secret k1 = PostgresFixture.newKey();
    private final Secret k2 = PostgresFixture.newKey();
    private String table;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.start();
    }

    @AfterAll
    static void dropSchema() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void newTable(TestInfo test) {
        table = postgres.table(test.getTestMethod().orElseThrow().getName().toLowerCase());
    }

    @Test
    void rotation_readsOldValues_reencryptMovesThem_thenOldKeyCanGo() {
        store(KeyRing.of("k1", k1)).put(workspace("t1"));
        store(KeyRing.of("k1", k1)).put(workspace("t2"));
        JdbcConnectionStore rotated = store(KeyRing.builder()
                .current("k2", k2).older("k1", k1).build());
        rotated.put(workspace("t3"));

        assertThat(rotated.find("slack", "t1")).contains(workspace("t1"));
        int moved = rotated.reencrypt();
        int movedAgain = rotated.reencrypt();
        JdbcConnectionStore withoutK1 = store(KeyRing.of("k2", k2));

        assertThat(moved).isEqualTo(2);
        assertThat(movedAgain).isZero();
        assertThat(withoutK1.list("slack")).containsExactly(
                workspace("t1"), workspace("t2"), workspace("t3"));
    }

    @Test
    void missingKey_failsNamingTheKeyIdNotAKey() {
        store(KeyRing.of("k1", k1)).put(workspace("t1"));
        JdbcConnectionStore withoutK1 = store(KeyRing.of("k2", k2));

        assertThatThrownBy(() -> withoutK1.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("connection 'slack/t1': secret 'bot-token' is encrypted with key 'k1',"
                        + " which the key ring KeyRing[current=k2, ids=[k2]] does not hold;"
                        + " add that key as an older key")
                .message().doesNotContain(k1.reveal(), k2.reveal());
        assertThatThrownBy(withoutK1::reencrypt).hasMessageContaining("with key 'k1'");
    }

    @Test
    void tamperedCiphertext_failsClearly() throws Exception {
        JdbcConnectionStore store = store(KeyRing.of("k1", k1));
        store.put(workspace("t1"));
        ObjectNode secrets = (ObjectNode) JSON.readTree(column("secrets"));
        ObjectNode botToken = (ObjectNode) secrets.get("bot-token");
        byte[] data = Base64.getDecoder().decode(botToken.get("data").asText());
        data[0] ^= 1;
        botToken.put("data", Base64.getEncoder().encodeToString(data));
        postgres.execute("UPDATE " + table + " SET secrets = '" + secrets + "'");

        assertThatThrownBy(() -> store.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("connection 'slack/t1': secret 'bot-token' does not decrypt"
                        + " with key 'k1': the stored value was altered or copied from another"
                        + " connection");
    }

    @Test
    void ciphertextCopiedToAnotherConnection_doesNotDecrypt() throws Exception {
        JdbcConnectionStore store = store(KeyRing.of("k1", k1));
        store.put(workspace("t1"));
        store.put(Connection.builder("slack", "t2").secret("bot-token", "xoxb-other").build());
        postgres.execute("UPDATE " + table + " SET secrets = (SELECT secrets FROM " + table
                + " WHERE id = 't1') WHERE id = 't2'");

        assertThatThrownBy(() -> store.find("slack", "t2"))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith("connection 'slack/t2': secret ")
                .hasMessageEndingWith("the stored value was altered or copied from another"
                        + " connection");
    }

    @Test
    void ciphertextMovedToAnotherSecretName_doesNotDecrypt() throws Exception {
        JdbcConnectionStore store = store(KeyRing.of("k1", k1));
        store.put(Connection.builder("slack", "t1").secret("bot-token", TOKEN).build());
        postgres.execute("UPDATE " + table
                + " SET secrets = replace(secrets, '\"bot-token\"', '\"user-token\"')");

        assertThatThrownBy(() -> store.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith("connection 'slack/t1': secret 'user-token' does not"
                        + " decrypt with key 'k1'");
    }

    @Test
    void sameSecretTwice_isStoredUnderDifferentIvs() throws Exception {
        JdbcConnectionStore store = store(KeyRing.of("k1", k1));
        store.put(Connection.builder("slack", "t1")
                .secret("a", TOKEN).secret("b", TOKEN).build());
        store.put(Connection.builder("slack", "t2")
                .secret("a", TOKEN).secret("b", TOKEN).build());

        String rows = column("secrets");

        Matcher iv = Pattern.compile("\"iv\":\"([^\"]+)\"").matcher(rows);
        Set<String> ivs = new HashSet<>();
        while (iv.find()) {
            ivs.add(iv.group(1));
        }
        assertThat(ivs).hasSize(4);
    }

    /** One column of every row, one row a line. */
    private String column(String name) throws SQLException {
        StringBuilder values = new StringBuilder();
        try (java.sql.Connection db = postgres.dataSource().getConnection();
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT " + name + " FROM " + table)) {
            while (rows.next()) {
                values.append(rows.getString(1)).append('\n');
            }
        }
        return values.toString();
    }

    private JdbcConnectionStore store(KeyRing keys) {
        return JdbcConnectionStore.builder(postgres.dataSource()).table(table).keys(keys).build();
    }

    private static Connection workspace(String team) {
        return Connection.builder("slack", team)
                .setting("team", team)
                .secret("bot-token", TOKEN)
                .secret("refresh-token", "xoxe-refresh-" + team)
                .build();
    }
}
