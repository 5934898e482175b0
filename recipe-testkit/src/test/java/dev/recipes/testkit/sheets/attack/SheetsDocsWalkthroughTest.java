package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static dev.recipes.testkit.sheets.attack.AttackSupport.json;
import static dev.recipes.testkit.sheets.attack.AttackSupport.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each Sheets action used as docs/google-sheets.md shows it, through a test engine against
 * {@code FakeSheetsServer}, as a new user would write it.
 */
@RecipeTest
final class SheetsDocsWalkthroughTest {

    private final AttackSupport support = new AttackSupport();

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        AttackSupport.sheetsOnly(engine);
        sheets.createSpreadsheet(SHEET, "Log", "Items", "Orders");
    }

    @Test
    void appendRow_withKeyColumn_writesTheRowAndItsKey(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("sales-log", GoogleSheets.appendRow(SHEET, "Log!A:D")
                .column(Event::time)
                .column("/user")
                .column("/text")
                .keyColumn("F")));

        support.publish(engine, "{\"user\":\"U1\",\"text\":\"invoice #42\"}");

        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).subList(0, 5))
                .containsExactly("2026-01-05T09:00:00Z", "U1", "invoice #42", "", "");
        assertThat(rows.get(0).get(5).toString()).endsWith("#order-1:sales-log:0");
        assertThat(support.results("append-row").get(0).path("alreadyWritten").asBoolean(true))
                .isFalse();
    }

    @Test
    void appendRows_forEach_writesOneRowPerItem(TestEngine engine, FakeSheetsServer sheets) {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Items!A:D")
                .forEach("/order/items")
                .itemColumn("/sku").itemColumn("/quantity")
                .column("/order/id")
                .keyColumn("F")));

        support.publish(engine, "{\"order\":{\"id\":\"A-1\",\"items\":["
                + "{\"sku\":\"S-1\",\"quantity\":2},{\"sku\":\"S-2\",\"quantity\":1}]}}");

        List<List<Object>> rows = sheets.rows(SHEET, "Items");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).subList(0, 3)).containsExactly("S-1", 2L, "A-1");
        assertThat(rows.get(1).get(5).toString()).endsWith("#1");
    }

    @Test
    void updateRange_lookupRows_and_upsertRow_asDocumented(TestEngine engine,
            FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "status", "total"),
                List.of("A-1", "open", 10L)));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:D")
                .column("/id").column("/status").column("/total")
                .keyColumn("A")));
        engine.recipe(recipe("update", GoogleSheets.updateRange(SHEET, "Log!B7:D7")
                .column("/status").column("/by")));
        engine.recipe(recipe("lookup", GoogleSheets.lookupRows(SHEET, "Orders!A2:F")
                .where("A", "/id").limit(50)));

        support.publish(engine, "{\"id\":\"A-1\",\"status\":\"paid\",\"total\":10,"
                + "\"by\":\"bob\"}");
        support.publish(engine, "{\"id\":\"A-2\",\"status\":\"open\",\"total\":5,"
                + "\"by\":\"eve\"}");

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(
                List.of("id", "status", "total"), List.of("A-1", "paid", 10L),
                List.of("A-2", "open", 5L));
        assertThat(sheets.rows(SHEET, "Log").get(6)).containsExactly("", "open", "eve");
        List<String> operations = support.results("upsert-row").stream()
                .map(result -> result.path("operation").asText()).toList();
        assertThat(operations).containsExactly("updated", "appended");
        assertThat(support.results("lookup-rows")).isNotEmpty();
    }

    @Test
    void appendRowFormatsAnInstantLambdaColumnInTheConfiguredZoneAndPattern(
            TestEngine engine, FakeSheetsServer sheets) {
        // docs: "a lambda returning Instant ... is a timestamp ... converted to that zone and
        // pattern, such as 01.05.2024 14:00".
        engine.config("google-sheets.time-zone", "Europe/Berlin")
                .config("google-sheets.date-time-pattern", "dd.MM.yyyy HH:mm");
        engine.recipe(recipe("times", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column(Event::time).column("/text")));

        support.publish(engine, "{\"text\":\"x\"}");

        assertThat(sheets.rows(SHEET, "Log")).containsExactly(List.of("05.01.2026 10:00", "x"));
    }

    @Test
    void lookupRows_resultShape_isRowsWithSheetRowNumbers(TestEngine engine,
            FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "n"),
                List.of("A-1", 1L), List.of("A-2", 2L), List.of("A-1", 3L)));
        engine.recipe(recipe("lookup", GoogleSheets.lookupRows(SHEET, "Orders!A2:B")
                .where("A", "/id")));

        support.publish(engine, "{\"id\":\"A-1\"}");

        JsonNode result = support.results("lookup-rows").get(0);
        assertThat(result.path("truncated").asBoolean(true)).isFalse();
        assertThat(result.path("rows")).hasSize(2);
        assertThat(result.path("rows").get(0).path("row").asInt()).isEqualTo(2);
        assertThat(result.path("rows").get(1).path("row").asInt()).isEqualTo(4);
        assertThat(result.path("rows").get(1).path("values"))
                .isEqualTo(json("[\"A-1\",3]"));
    }
}
