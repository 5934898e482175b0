package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static dev.recipes.testkit.sheets.attack.AttackSupport.json;
import static dev.recipes.testkit.sheets.attack.AttackSupport.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.ActionStep;
import dev.recipes.core.RetryPolicy;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key column against ambiguous answers, retries, concurrent upserts of one key and rows
 * already duplicated, over the fake Sheets server.
 */
@RecipeTest
final class KeyColumnIdempotencyAttackTest {

    private final AttackSupport support = new AttackSupport();

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        AttackSupport.sheetsOnly(engine);
        engine.retryPolicy(RetryPolicy.custom().maxAttempts(6).build());
        sheets.createSpreadsheet(SHEET, "Log", "Orders", "It's");
    }

    @Test
    void appendRow_ambiguous503TwiceInARow_stillOneRow(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/id").column("/text").keyColumn("D")));
        sheets.replaceRows(SHEET, "Log", List.of(List.of("id", "text", "", "key")));
        sheets.failAfterWriteNextAppend(503);
        sheets.failNextGet(503);
        sheets.failAfterWriteNextAppend(503);

        support.publishQuietly(engine, json("{\"id\":\"A-1\",\"text\":\"x\"}"));
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-row").succeeded();
        assertThat(sheets.rows(SHEET, "Log")).hasSize(2);
    }

    @Test
    void appendRow_onAQuotedSheetWithAnApostrophe_keyCheckStillFindsTheRow(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "'It''s'!A:B")
                .column("/id").column("/text").keyColumn("C")));
        sheets.failAfterWriteNextAppend(503);

        support.publishQuietly(engine, json("{\"id\":\"A-1\",\"text\":\"x\"}"));
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-row").succeeded().hasAttempts(2);
        assertThat(sheets.rows(SHEET, "It's")).hasSize(1);
        assertThat(support.results("append-row").get(0).path("alreadyWritten").asBoolean())
                .isTrue();
    }

    @Test
    void upsertRow_ambiguous503OnTheAppend_updatesInsteadOfAppendingTwice(TestEngine engine,
            FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "status")));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/status").keyColumn("A")));
        sheets.failAfterWriteNextAppend(503);

        support.publishQuietly(engine, json("{\"id\":\"A-1\",\"status\":\"open\"}"));
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(List.of("id", "status"),
                List.of("A-1", "open"));
    }

    @Test
    void upsertRow_manyConcurrentUpsertsOfOneNewKey_appendOnce(TestEngine engine,
            FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "n")));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/n").keyColumn("A")));

        for (int i = 0; i < 20; i++) {
            support.publishQuietly(engine, json("{\"id\":\"A-1\",\"n\":" + i + "}"));
        }
        engine.awaitIdle();

        engine.assertThatActions().hasSize(20).allSucceeded();
        assertThat(sheets.rows(SHEET, "Orders")).hasSize(2);
    }

    @Test
    void upsertRow_withTheKeyInTwoRows_updatesTheFirstAndLeavesTheOther(TestEngine engine,
            FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "n"),
                List.of("A-1", 1L), List.of("A-2", 2L), List.of("A-1", 3L)));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/n").keyColumn("A")));

        support.publish(engine, "{\"id\":\"A-1\",\"n\":9}");

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(List.of("id", "n"),
                List.of("A-1", 9L), List.of("A-2", 2L), List.of("A-1", 3L));
    }

    @Test
    void appendRows_ambiguous503_thenOnlyTheMissingRowsAreAppended(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:A")
                .rowsFrom("/rows").keyColumn("C")));
        sheets.failAfterWriteNextAppend(503);

        support.publishQuietly(engine, json("{\"rows\":[[\"a\"],[\"b\"],[\"c\"]]}"));
        // Someone deletes the middle row before the retry reads the keys.
        engine.awaitQuiet();
        List<List<Object>> written = sheets.rows(SHEET, "Log");
        sheets.replaceRows(SHEET, "Log", List.of(written.get(0), written.get(2)));
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        assertThat(sheets.rows(SHEET, "Log")).extracting(row -> row.get(0))
                .containsExactly("a", "c", "b");
        assertThat(support.results("append-rows").get(0).path("alreadyWrittenRows").asInt())
                .isEqualTo(2);
    }

    @Test
    void theKeyColumnParameter_isCheckedBeforeCallingGoogle(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("generic", ActionStep.of("google-sheets", "append-row")
                .constant("spreadsheetId", SHEET)
                .constant("range", "Log!C:F")
                .constant("values", json("[\"x\"]"))
                .constant("keyColumn", "B")
                .build()));

        support.publish(engine, "{}");

        engine.assertThatAction("google-sheets", "append-row").failed().hasAttempts(1);
        assertThat(sheets.appendRequests()).isZero();
        assertThat(sheets.readRequests()).isZero();
    }
}
