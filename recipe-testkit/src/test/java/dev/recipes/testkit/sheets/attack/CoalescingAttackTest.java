package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static dev.recipes.testkit.sheets.attack.AttackSupport.json;
import static dev.recipes.testkit.sheets.attack.AttackSupport.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.RetryPolicy;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.ValueInputOption;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Coalesced appends ({@code google-sheets.coalesce-delay}) with mixed targets, failures in the
 * middle of a batch, rows of different widths sharing a key column, and one bad row.
 */
@RecipeTest(realTime = true, idleTimeout = "PT60S")
final class CoalescingAttackTest {

    private final AttackSupport support = new AttackSupport();

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        AttackSupport.sheetsOnly(engine);
        engine.config("google-sheets.coalesce-delay", "PT0.25S")
                .retryPolicy(RetryPolicy.custom().maxAttempts(6)
                        .initialBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(50)).build());
        sheets.createSpreadsheet(SHEET, "Log", "Other");
    }

    private void burst(TestEngine engine, int count) {
        for (int i = 0; i < count; i++) {
            support.publishQuietly(engine, json("{\"id\":\"E-" + i + "\",\"text\":\"t" + i
                    + "\",\"obj\":" + (i == 7 ? "{\"nested\":[1,{\"x\":2}]}" : "\"ok\"")
                    + "}"));
        }
        engine.awaitIdle();
    }

    @Test
    void mixedTargetsInOneBurst_eachRowLandsOnceInItsOwnPlace(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/id").column("/text").keyColumn("D")));
        engine.recipe(recipe("other", GoogleSheets.appendRow(SHEET, "Other!A:A")
                .column("/id")));
        engine.recipe(recipe("typed", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/id").column("/text").keyColumn("D")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        burst(engine, 40);

        engine.assertThatActions().hasSize(120).allSucceeded();
        assertThat(sheets.rows(SHEET, "Log")).hasSize(80);
        assertThat(sheets.rows(SHEET, "Other")).hasSize(40);
        assertThat(sheets.rows(SHEET, "Log")).extracting(row -> row.get(3))
                .doesNotHaveDuplicates();
        assertThat(sheets.appendRequests()).isLessThan(120);
    }

    @Test
    void anAmbiguous503MidBurst_withAKeyColumn_writesNoRowTwice(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/id").column("/text").keyColumn("D")));
        sheets.failAfterWriteNextAppend(503);
        sheets.failNextAppend(500);
        sheets.failAfterWriteNextAppend(502);

        burst(engine, 60);

        engine.assertThatActions().hasSize(60).allSucceeded();
        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        assertThat(rows).extracting(row -> row.get(0)).doesNotHaveDuplicates().hasSize(60);
    }

    @Test
    void rowsOfDifferentWidthsSharingAKeyColumn_keepTheirKeysInThatColumn(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("narrow", GoogleSheets.appendRow(SHEET, "Log!A:E")
                .column("/id").keyColumn("E")));
        engine.recipe(recipe("wide", GoogleSheets.appendRow(SHEET, "Log!A:E")
                .column("/id").column("/text").column("/text").keyColumn("E")));

        burst(engine, 10);

        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        assertThat(rows).hasSize(20).allSatisfy(row -> {
            assertThat(row).hasSize(5);
            assertThat(row.get(4).toString()).contains("#order-");
        });
        List<JsonNode> results = support.results("append-row");
        assertThat(results).extracting(result -> result.path("updatedRange").asText())
                .doesNotHaveDuplicates();
    }

    @Test
    void oneRowWithANestedObject_failsAlone_andTheBatchGoesOut(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:C")
                .column("/id").column("/obj").keyColumn("D")));

        burst(engine, 20);

        assertThat(sheets.rows(SHEET, "Log")).hasSize(19)
                .noneSatisfy(row -> assertThat(row.get(0)).isEqualTo("E-7"));
        assertThat(support.results("append-row")).hasSize(19);
    }
}
