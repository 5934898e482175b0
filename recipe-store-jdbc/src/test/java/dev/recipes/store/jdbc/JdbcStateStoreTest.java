package dev.recipes.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeException;
import dev.recipes.core.polling.PollState;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The state store of polling triggers on a real PostgreSQL, one table per test. */
final class JdbcStateStoreTest {

    private static final String SOURCE = "google-sheets/default/1AbC/Log!A:D/new-row";

    private static PostgresFixture postgres;

    private String table;
    private JdbcStateStore store;

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
        table = postgres.table("poll_" + test.getTestMethod().orElseThrow().getName()
                .toLowerCase());
        store = JdbcStateStore.builder(postgres.dataSource()).table(table).build();
    }

    @Test
    void save_thenLoad_returnsEqualState() {
        PollState state = new PollState("2026-05-01T10:00:00Z", List.of("k:7", "k:8", "ä/€"));

        store.save(SOURCE, state);

        assertThat(store.load(SOURCE)).contains(state);
        assertThat(store.load("google-sheets/default/other")).isEmpty();
    }

    @Test
    void save_replacesTheStateOfTheSameSourceOnly() {
        store.save(SOURCE, new PollState("c1", List.of("a")));
        store.save("other", new PollState("x", List.of("x")));

        store.save(SOURCE, new PollState(null, List.of("a", "b")));

        assertThat(store.load(SOURCE)).contains(new PollState(null, List.of("a", "b")));
        assertThat(store.load("other")).contains(new PollState("x", List.of("x")));
    }

    @Test
    void secondStoreOnTheSameTable_seesWhatTheFirstSaved() {
        store.save(SOURCE, new PollState("c9", List.of("a", "b")));

        JdbcStateStore restarted = JdbcStateStore.builder(postgres.dataSource()).table(table)
                .build();

        assertThat(restarted.load(SOURCE)).contains(new PollState("c9", List.of("a", "b")));
    }

    @Test
    void tenThousandKeys_keepTheirOrder() {
        List<String> keys = IntStream.range(0, 10_000).mapToObj(i -> "c:" + Integer.toHexString(
                i * 7919) + "#" + i).toList();

        store.save(SOURCE, new PollState("c", keys));

        assertThat(store.load(SOURCE).orElseThrow().seenKeys()).isEqualTo(keys);
    }

    @Test
    void delete_forgetsTheSource() {
        store.save(SOURCE, new PollState("c1", List.of("a")));

        assertThat(store.delete(SOURCE)).isTrue();
        assertThat(store.delete(SOURCE)).isFalse();
        assertThat(store.load(SOURCE)).isEmpty();
    }

    @Test
    void tamperedRow_failsWithTheTableAndSource() throws Exception {
        store.save(SOURCE, new PollState("c1", List.of("a")));
        postgres.execute("UPDATE " + table + " SET seen_keys = '{\"a\": 1}'");

        assertThatThrownBy(() -> store.load(SOURCE)).isInstanceOf(RecipeException.class)
                .hasMessageContaining("state store '" + table + "': seen keys of '" + SOURCE
                        + "' are not a JSON array of text");
    }

    @Test
    void builder_refusesATableNameThatIsNotAnIdentifier() {
        assertThatThrownBy(() -> JdbcStateStore.builder(postgres.dataSource())
                .table("poll; DROP TABLE x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a lowercase identifier");
    }
}
