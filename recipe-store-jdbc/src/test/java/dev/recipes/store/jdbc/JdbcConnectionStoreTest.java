package dev.recipes.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

final class JdbcConnectionStoreTest {

    private static final String TOKEN = "xoxb-1111-secret-bot-token";
    private static final String REFRESH = "xoxe-1-secret-refresh-token";

    private static PostgresFixture postgres;

    private final Secret key = PostgresFixture.newKey();
    private String table;
    private JdbcConnectionStore store;

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
        store = newStore(KeyRing.of("k1", key));
    }

    @Test
    void put_thenFind_returnsEqualConnection() {
        Connection connection = workspace("t1", TOKEN);

        store.put(connection);

        assertThat(store.find("slack", "t1")).contains(connection);
        assertThat(store.find("slack", "t2")).isEmpty();
    }

    @Test
    void put_overwritesSameServiceAndId() {
        store.put(workspace("t1", TOKEN));

        store.put(workspace("t1", "xoxb-2"));

        assertThat(store.find("slack", "t1")).contains(workspace("t1", "xoxb-2"));
    }

    @Test
    void list_returnsOneServiceOrderedById() {
        store.put(workspace("t-b", TOKEN));
        store.put(workspace("t-a", TOKEN));
        store.put(workspace("t.a", TOKEN));
        store.put(Connection.builder("github", "t-a").setting("org", "acme").build());

        assertThat(store.list("slack")).extracting(Connection::id)
                .containsExactly("t-a", "t-b", "t.a");
        assertThat(store.list("sheets")).isEmpty();
    }

    @Test
    void delete_removesOnlyThatConnection() {
        store.put(workspace("t1", TOKEN));
        store.put(workspace("t2", TOKEN));

        assertThat(store.delete("slack", "t1")).isTrue();

        assertThat(store.delete("slack", "t1")).isFalse();
        assertThat(store.list("slack")).extracting(Connection::id).containsExactly("t2");
    }

    @Test
    void connectionsSurviveANewStoreOnTheSameTable() {
        store.put(workspace("t1", TOKEN));

        JdbcConnectionStore restarted = newStore(KeyRing.of("k1", key));

        assertThat(restarted.find("slack", "t1")).contains(workspace("t1", TOKEN));
    }

    @Test
    void replace_storesUpdateOnlyWhenStoredEqualsExpected() {
        Connection read = workspace("t1", TOKEN);
        store.put(read);

        boolean stale = store.replace(workspace("t1", "xoxb-old"), workspace("t1", "xoxb-3"));
        boolean fresh = store.replace(read, workspace("t1", "xoxb-2"));
        boolean missing = store.replace(workspace("t9", TOKEN), workspace("t9", "xoxb-2"));

        assertThat(stale).isFalse();
        assertThat(fresh).isTrue();
        assertThat(missing).isFalse();
        assertThat(store.find("slack", "t1")).contains(workspace("t1", "xoxb-2"));
        assertThat(store.find("slack", "t9")).isEmpty();
    }

    @Test
    void replace_rejectsAnotherConnection() {
        assertThatThrownBy(() -> store.replace(workspace("t1", TOKEN), workspace("t2", TOKEN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connection 'slack/t1': cannot be replaced by 'slack/t2';"
                        + " replace keeps the service and id");
    }

    @Test
    void replace_racingAcrossTwoStores_exactlyOneWinsEachRound() throws Exception {
        List<JdbcConnectionStore> instances = List.of(store, newStore(KeyRing.of("k1", key)));
        Connection read = workspace("t1", TOKEN);
        store.put(read);
        ExecutorService pool = Executors.newFixedThreadPool(8);

        try {
            for (int round = 0; round < 10; round++) {
                int winner = race(pool, instances, read, round);

                read = workspace("t1", "xoxb-" + round + "-" + winner);
                assertThat(instances.get(1 - winner % 2).find("slack", "t1")).contains(read);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Races 8 callers, alternating between the stores; returns the only winner. */
    private static int race(ExecutorService pool, List<JdbcConnectionStore> instances,
            Connection read, int round) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            JdbcConnectionStore instance = instances.get(i % 2);
            Connection mine = workspace("t1", "xoxb-" + round + "-" + i);
            results.add(pool.submit(() -> {
                start.await();
                return instance.replace(read, mine);
            }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).get()) {
                winners.add(i);
            }
        }
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        return winners.get(0);
    }

    @Test
    void tableRows_holdNoSecretInClear() throws Exception {
        store.put(workspace("t1", TOKEN));

        String rows = rawRows();

        assertThat(rows).contains("t1", "\"team\":\"t1\"", "\"key\":\"k1\"");
        assertThat(rows).doesNotContain(TOKEN, REFRESH, base64(TOKEN), base64(REFRESH));
    }

    @Test
    void databaseDump_holdsNoSecretInClear() throws Exception {
        store.put(workspace("t1", TOKEN));

        String dump = pgDump();

        assertThat(dump).contains("U0BOTUSER1");
        assertThat(dump).doesNotContain(TOKEN, REFRESH, base64(TOKEN), base64(REFRESH));
    }

    @Test
    void toString_showsTableAndKeyIdsNotKeys() {
        String shown = store.toString();

        assertThat(shown).isEqualTo("JdbcConnectionStore[table=" + table
                + ", keys=KeyRing[current=k1, ids=[k1]]]");
        assertThat(shown).doesNotContain(key.reveal());
    }

    @Test
    void builder_rejectsTableNameThatIsNotAnIdentifier() {
        JdbcConnectionStore.Builder builder = JdbcConnectionStore.builder(postgres.dataSource());

        assertThatThrownBy(() -> builder.table("t; DROP TABLE x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connection store: table 't; DROP TABLE x' must be a lowercase"
                        + " identifier, optionally as schema.table");
    }

    @Test
    void builder_requiresKeys() {
        JdbcConnectionStore.Builder builder = JdbcConnectionStore.builder(postgres.dataSource());

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("connection store: no keys; call keys(KeyRing)");
    }

    @Test
    void builder_rejectsKeysTwice() {
        JdbcConnectionStore.Builder builder = JdbcConnectionStore.builder(postgres.dataSource())
                .keys(KeyRing.of("k1", key));

        assertThatThrownBy(() -> builder.keys(KeyRing.of("k2", key)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connection store: keys are already set to"
                        + " KeyRing[current=k1, ids=[k1]]");
    }

    @Test
    void malformedStoredSecrets_failNamingTheConnection() throws Exception {
        store.put(workspace("t1", TOKEN));
        postgres.execute("UPDATE " + table + " SET secrets = '{\"bot-token\": 7}'");

        assertThatThrownBy(() -> store.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("connection 'slack/t1': stored secrets in table '" + table
                        + "' are not the JSON this store writes");
    }

    @Test
    void nullStoredSettings_failNamingTheConnection() throws Exception {
        store.put(workspace("t1", TOKEN));
        postgres.execute("UPDATE " + table + " SET settings = 'null'");

        assertThatThrownBy(() -> store.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("connection 'slack/t1': stored settings in table '" + table
                        + "' are not the JSON this store writes");
    }

    @Test
    void unreachableTable_failsNamingTheOperation() throws Exception {
        store.put(workspace("t1", TOKEN));
        postgres.execute("DROP TABLE " + table);

        assertThatThrownBy(() -> store.find("slack", "t1"))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith("connection store '" + table + "': find 'slack/t1' failed:")
                .hasMessageContaining("does not exist");
    }

    private JdbcConnectionStore newStore(KeyRing keys) {
        return JdbcConnectionStore.builder(postgres.dataSource()).table(table).keys(keys).build();
    }

    private String rawRows() throws Exception {
        StringBuilder rows = new StringBuilder();
        try (java.sql.Connection db = postgres.dataSource().getConnection();
                Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("SELECT * FROM " + table)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                for (int i = 1; i <= columns; i++) {
                    rows.append(result.getString(i)).append('|');
                }
                rows.append('\n');
            }
        }
        return rows.toString();
    }

    private String pgDump() throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("pg_dump", "-h", PostgresFixture.HOST,
                    "-p", String.valueOf(PostgresFixture.PORT), "-U", PostgresFixture.USER,
                    "-n", postgres.schema(), PostgresFixture.DATABASE)
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "pg_dump is not on the PATH: " + e.getMessage());
            throw e;
        }
        String dump = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("pg_dump output:%n%s", dump).isZero();
        return dump;
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static Connection workspace(String team, String botToken) {
        return Connection.builder("slack", team)
                .setting("team", team)
                .setting("bot-user", "U0BOTUSER1")
                .secret("bot-token", botToken)
                .secret("refresh-token", REFRESH)
                .build();
    }
}
