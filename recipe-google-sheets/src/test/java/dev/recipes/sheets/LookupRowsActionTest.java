package dev.recipes.sheets;

import static dev.recipes.sheets.ActionFixture.JSON;
import static dev.recipes.sheets.ActionFixture.fail;
import static dev.recipes.sheets.ActionFixture.params;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class LookupRowsActionTest {

    /** Rows 2 to 6 of a sheet: row 4 is empty, row 6 has no cell in column B. */
    private static final String SHEET = "{\"range\":\"Orders!A2:C6\",\"majorDimension\":\"ROWS\","
            + "\"values\":[[\"A-1\",42,\"open\"],[\"A-2\",\"42\",true],[],[\"A-3\",42.0],"
            + "[\"A-4\"]]}";

    private ActionFixture fixture;

    @BeforeEach
    void startStub() throws IOException {
        fixture = new ActionFixture("lookup-rows");
    }

    @AfterEach
    void stopStub() {
        fixture.close();
    }

    @Test
    void readsTheRangeOnce_andReturnsEveryMatchWithItsSheetRow() {
        Action action = fixture.start();
        fixture.google.answerApi(200, SHEET);

        JsonNode result = action.execute(fixture.first(lookup("Orders!A2:C", "B", 42)));

        StubGoogleFixture.Received read = fixture.google.apiRequests().get(0);
        assertThat(fixture.google.apiRequests()).hasSize(1);
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21A2%3AC");
        assertThat(read.rawQuery())
                .isEqualTo("majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE");
        assertThat(result.toString()).isEqualTo("{\"rows\":["
                + "{\"row\":2,\"values\":[\"A-1\",42,\"open\"]},"
                + "{\"row\":3,\"values\":[\"A-2\",\"42\",true]},"
                + "{\"row\":5,\"values\":[\"A-3\",42.0]}],\"truncated\":false}");
    }

    @Test
    void textMatchesExactly() {
        Action action = fixture.start();
        fixture.google.answerApi(200, SHEET);
        fixture.google.answerApi(200, SHEET);

        JsonNode exact = action.execute(fixture.first(lookup("Orders!A2:C", "A", "A-4")));
        JsonNode otherCase = action.execute(fixture.first(lookup("Orders!A2:C", "A", "a-4")));

        assertThat(exact.path("rows").toString())
                .isEqualTo("[{\"row\":6,\"values\":[\"A-4\"]}]");
        assertThat(otherCase.path("rows").isEmpty()).isTrue();
    }

    @Test
    void limit_cutsTheRows_andSaysSo() {
        Action action = fixture.start();
        fixture.google.answerApi(200, SHEET);

        JsonNode result = action.execute(fixture.first(lookup("Orders!A2:C", "B", 42)
                .put("limit", 2)));

        assertThat(result.path("rows")).extracting(row -> row.path("row").asInt())
                .containsExactly(2, 3);
        assertThat(result.path("truncated").asBoolean()).isTrue();
    }

    @Test
    void noMatch_andAnEmptySheet_giveNoRows() {
        Action action = fixture.start();
        fixture.google.answerApi(200, SHEET);
        fixture.google.answerApi(200, "{\"range\":\"Orders!A1:C1000\",\"majorDimension\":"
                + "\"ROWS\"}");

        JsonNode none = action.execute(fixture.first(lookup("Orders!A:C", "C", "closed")));
        JsonNode empty = action.execute(fixture.first(lookup("Orders!A:C", "C", "open")));

        assertThat(none.toString()).isEqualTo("{\"rows\":[],\"truncated\":false}");
        assertThat(empty.toString()).isEqualTo("{\"rows\":[],\"truncated\":false}");
    }

    @Test
    void booleansMatchBooleans() {
        Action action = fixture.start();
        fixture.google.answerApi(200, SHEET);

        JsonNode result = action.execute(fixture.first(lookup("Orders!A2:C", "C", true)));

        assertThat(result.path("rows")).extracting(row -> row.path("row").asInt())
                .containsExactly(3);
    }

    @Test
    void answerThatIsNotAValueRange_isRetryable() {
        Action action = fixture.start();
        fixture.google.answerApi(200, "{\"values\":{\"not\":\"rows\"}}");

        ActionException failure = fail(action, fixture.first(lookup("Orders!A:C", "A", "x")));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("Google's answer is not a ValueRange");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"column\":\"E\",\"value\":\"x\"}|column 'E' is outside range 'Orders!B:D'",
        "{\"column\":\"A\",\"value\":\"x\"}|column 'A' is outside range 'Orders!B:D'",
        "{\"value\":\"x\"}|parameter 'column' is missing",
        "{\"column\":\"B\"}|parameter 'value' must be non-empty text, a number or a boolean; it "
                + "is missing or null",
        "{\"column\":\"B\",\"value\":[1]}|parameter 'value' must be non-empty text, a number or "
                + "a boolean; it is array",
        "{\"column\":\"B\",\"value\":\"\"}|parameter 'value' must be non-empty text",
        "{\"column\":\"B\",\"value\":\"x\",\"limit\":0}|parameter 'limit' is 0; give a whole "
                + "number from 1 to 1000",
        "{\"column\":\"B\",\"value\":\"x\",\"limit\":1001}|parameter 'limit' is 1001"})
    void badParameters_failPermanentlyBeforeCallingGoogle(String json, String message)
            throws Exception {
        Action action = fixture.start();
        ObjectNode params = params("Orders!B:D");
        params.setAll((ObjectNode) JSON.readTree(json));

        ActionException failure = fail(action, fixture.first(params));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageStartingWith("action 'google-sheets/lookup-rows': ")
                .hasMessageContaining(message);
        assertThat(fixture.google.apiRequests()).isEmpty();
    }

    private static ObjectNode lookup(String range, String column, Object value) {
        ObjectNode params = params(range).put("column", column);
        params.set("value", JSON.valueToTree(value));
        return params;
    }
}
