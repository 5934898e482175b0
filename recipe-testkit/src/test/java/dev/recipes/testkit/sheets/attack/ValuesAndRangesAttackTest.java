package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static dev.recipes.testkit.sheets.attack.AttackSupport.recipe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.ActionStep;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.ValueInputOption;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.RecordedRequest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Value types (big and tiny numbers, NaN-like text, nested JSON) and range parsing (quoted
 * sheet names, odd and huge ranges) through the actions.
 */
@RecipeTest
final class ValuesAndRangesAttackTest {

    private final AttackSupport support = new AttackSupport();

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        AttackSupport.sheetsOnly(engine);
        sheets.createSpreadsheet(SHEET, "Log", "Orders", "Q3 'final' (v2)");
    }

    private static String lastWriteBody(FakeSheetsServer sheets) {
        return sheets.requests().stream()
                .filter(request -> request.isAppend() || request.method().equals("PUT"))
                .reduce((a, b) -> b).map(RecordedRequest::body).orElseThrow();
    }

    @Test
    void bigAndTinyNumbers_areSentExactly_andNanLikeTextStaysText(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:F")
                .column("/big").column("/tiny").column("/nan").column("/inf")
                .column("/neg").column("/exp")));

        support.publish(engine, "{\"big\":123456789012345678901234567890,"
                + "\"tiny\":0.100000000000000000000000001,\"nan\":\"NaN\","
                + "\"inf\":\"Infinity\",\"neg\":-0.0,"
                + "\"exp\":1.23456789012345678901E-8}");

        engine.assertThatAction("google-sheets", "append-row").succeeded();
        String body = lastWriteBody(sheets);
        assertThat(body).contains("123456789012345678901234567890")
                .contains("0.100000000000000000000000001").contains("\"NaN\"")
                .contains("\"Infinity\"").contains("123456789012345678901");
    }

    @Test
    void aNestedObjectInAColumn_isRefusedBeforeCallingGoogle(TestEngine engine,
            FakeSheetsServer sheets) {
        engine.recipe(recipe("log", GoogleSheets.appendRow(SHEET, "Log!A:B")
                .column("/id").column("/payload")));
        engine.recipe(recipe("generic", ActionStep.of("google-sheets", "append-rows")
                .constant("spreadsheetId", SHEET)
                .constant("range", "Log!A:B")
                .constant("values", AttackSupport.json("[[\"a\",{\"b\":[1,2]}]]"))
                .build()));

        support.publish(engine, "{\"id\":\"x\",\"payload\":{\"deep\":{\"deeper\":[1,2,3]}}}");

        assertThat(sheets.appendRequests()).isZero();
        assertThat(sheets.rows(SHEET, "Log")).isEmpty();
    }

    @Test
    void aQuotedSheetNameWithQuotesAndParentheses_worksForEveryAction(TestEngine engine,
            FakeSheetsServer sheets) {
        String sheet = "'Q3 ''final'' (v2)'";
        engine.recipe(recipe("row", GoogleSheets.appendRow(SHEET, sheet + "!A:B")
                .column("/id").column("/n").keyColumn("D")));
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, sheet + "!F2:G")
                .column("/id").column("/n").keyColumn("F")));
        engine.recipe(recipe("update", GoogleSheets.updateRange(SHEET, sheet + "!I1")
                .column("/id")));
        engine.recipe(recipe("find", GoogleSheets.lookupRows(SHEET, sheet + "!A1:B")
                .where("A", "/id")));

        support.publish(engine, "{\"id\":\"A-1\",\"n\":1}");
        support.publish(engine, "{\"id\":\"A-1\",\"n\":2}");

        engine.assertThatActions().allSucceeded();
        List<List<Object>> rows = sheets.rows(SHEET, "Q3 'final' (v2)");
        assertThat(rows).filteredOn(row -> row.size() > 1 && "A-1".equals(row.get(0)))
                .extracting(row -> row.subList(0, 2))
                .containsExactly(List.of("A-1", 1L), List.of("A-1", 2L));
        assertThat(rows).filteredOn(row -> row.size() > 6 && "A-1".equals(row.get(5)))
                .extracting(row -> row.get(6)).containsExactly(2L);
        // Recipes run in any order, so the second lookup sees one or both appended rows.
        List<JsonNode> finds = support.results("lookup-rows");
        assertThat(finds).hasSize(2);
        assertThat(finds.get(1).path("rows")).hasSizeBetween(1, 2).allSatisfy(found ->
                assertThat(found.path("values").get(0).asText()).isEqualTo("A-1"));
    }

    @Test
    void oddRanges_areRefusedWhenTheStepIsBuilt() {
        for (String range : List.of("Log", "Log!", "!A:B", "Log!A0:B", "Log!AAAA1",
                "'Log!A:B", "Log!A:B:C", "Lo'g!A:B", "Log!A1:B2!C3", "Log !A:B")) {
            boolean refused;
            try {
                GoogleSheets.appendRow(SHEET, range).column("/x");
                refused = false;
            } catch (IllegalArgumentException e) {
                refused = true;
            }
            assertThat(refused).as(range).isTrue();
        }
    }

    @Test
    void aHugeRange_forLookup_isHandled(TestEngine engine, FakeSheetsServer sheets) {
        sheets.replaceRows(SHEET, "Log", List.of(List.of("a", 1L), List.of("b", 2L)));
        engine.recipe(recipe("find", GoogleSheets.lookupRows(SHEET, "Log!A1:ZZZ9999999")
                .where("A", "/id")));

        support.publish(engine, "{\"id\":\"b\"}");

        assertThat(support.results("lookup-rows").get(0).path("rows").get(0).path("row")
                .asInt()).isEqualTo(2);
    }

    @Test
    void upsertKeyWithAHugeExponent_isRefusedBeforeAnyCall(
            TestEngine engine, FakeSheetsServer sheets) {
        // A 12-byte JSON number, 1e999999999, makes the upsert's key text a billion digits
        // (about 1 GB; an OutOfMemoryError at -Xmx1g). Shown here with 1e20000000: the key
        // is expanded and Google is read before the row is refused as unwritable.
        engine.recipe(recipe("upsert", GoogleSheets.upsertRow(SHEET, "Orders!A2:B")
                .column("/id").column("/n").keyColumn("A")
                .valueInputOption(ValueInputOption.RAW)));

        support.publish(engine, "{\"id\":1e20000000,\"n\":1}");

        engine.assertThatAction("google-sheets", "upsert-row").failed().hasAttempts(1);
        assertThat(sheets.readRequests()).isZero();
    }
}
