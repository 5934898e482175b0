package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static dev.recipes.testkit.sheets.attack.AttackSupport.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.ValueInputOption;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Formula injection with {@code USER_ENTERED}: hostile text in every value position of every
 * writing action must reach Google with a leading apostrophe.
 */
@RecipeTest
final class FormulaInjectionAttackTest {

    private static final List<String> PAYLOADS = List.of(
            "=IMPORTXML(\"http://127.0.0.1:1/x\",\"//a\")", "+1+cmd", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1");
    private static final String STARTS = "=+-@\t\r";

    private final AttackSupport support = new AttackSupport();

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        AttackSupport.sheetsOnly(engine);
        sheets.createSpreadsheet(SHEET, "Log", "Items", "Orders");
    }

    private static ObjectNode hostileOrder(String payload) {
        ObjectNode order = AttackSupport.JSON.createObjectNode();
        order.put("id", payload).put("text", payload).put("by", payload);
        ArrayNode items = order.putArray("items");
        items.addObject().put("sku", payload).put("qty", payload);
        ArrayNode rows = order.putArray("rows");
        rows.addArray().add(payload).add(payload);
        return order;
    }

    private static void assertNothingRunsAsAFormula(FakeSheetsServer sheets) {
        List<String> written = AttackSupport.writtenStrings(sheets);
        assertThat(written).isNotEmpty();
        assertThat(written).allSatisfy(cell -> assertThat(cell.isEmpty()
                || STARTS.indexOf(cell.charAt(0)) < 0).as("cell %s", cell).isTrue());
    }

    @Test
    void everyWritingActionAndEveryPosition_getsTheApostrophe(TestEngine engine,
            FakeSheetsServer sheets) {
        ValueInputOption typed = ValueInputOption.USER_ENTERED;
        engine.recipe(recipe("row", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/text").column("/by").keyColumn("D").valueInputOption(typed)));
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Items!A:C")
                .forEach("/items").itemColumn("/sku").itemColumn("/qty").column("/by")
                .keyColumn("E").valueInputOption(typed)));
        engine.recipe(recipe("rows", GoogleSheets.appendRows(SHEET, "Items!H:I")
                .rowsFrom("/rows").valueInputOption(typed)));
        engine.recipe(recipe("update", GoogleSheets.updateRange(SHEET, "Log!G2:H2")
                .column("/text").column("/by").valueInputOption(typed)));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:C")
                .column("/id").column("/text").column("/by").keyColumn("A")
                .valueInputOption(typed)));

        for (String payload : PAYLOADS) {
            support.publishQuietly(engine, hostileOrder(payload));
        }
        engine.awaitIdle();

        engine.assertThatActions().allSucceeded();
        assertNothingRunsAsAFormula(sheets);
    }

    @Test
    void upsertWithAFormulaLikeKey_findsItsRowAgain_insteadOfAppendingTwice(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/text").keyColumn("A")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        sheets.replaceRows(SHEET, "Orders", List.of(List.of("id", "text")));

        support.publish(engine, "{\"id\":\"=1+1\",\"text\":\"first\"}");
        support.publish(engine, "{\"id\":\"=1+1\",\"text\":\"second\"}");

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(List.of("id", "text"),
                List.of("=1+1", "second"));
    }

    @Test
    void upsertOnAnEmptySheetUnderAHeaderRowWritesItsKeyOnce(
            TestEngine engine, FakeSheetsServer sheets) {
        // The documented upsert range 'Orders!A2:D' on a sheet without its header yet: the
        // append is anchored at A2, but the fake writes row 1, which the next key lookup
        // ('Orders!A2:A') never reads. Google writes an anchored append at the anchor's row.
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/text").keyColumn("A")));

        support.publish(engine, "{\"id\":\"A-1\",\"text\":\"first\"}");
        support.publish(engine, "{\"id\":\"A-1\",\"text\":\"second\"}");

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(List.of(),
                List.of("A-1", "second"));
    }

    @Test
    void aFormulaInATimestampColumn_isRefusedNotWritten(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("update", GoogleSheets.updateRange(SHEET, "Log!A2:B2")
                .column("/text").timestampColumn("/ts")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        support.publish(engine, "{\"text\":\"x\",\"ts\":\"=NOW()\"}");

        engine.assertThatAction("google-sheets", "update-range").failed()
                .hasErrorContaining("timestamp");
        assertThat(sheets.updateRequests()).isZero();
    }

    @Test
    void rawIsTheDefault_andStoresFormulaTextAsGiven(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("row", GoogleSheets.appendRow(SHEET, "Log!A:A").column("/text")));

        support.publish(engine, "{\"text\":\"=1+1\"}");

        assertThat(sheets.requests().stream().filter(r -> r.isAppend()).findFirst()
                .orElseThrow().query()).contains("valueInputOption=RAW");
        assertThat(sheets.rows(SHEET, "Log")).containsExactly(List.of("=1+1"));
    }
}
