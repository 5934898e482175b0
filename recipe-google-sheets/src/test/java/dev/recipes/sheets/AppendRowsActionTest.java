package dev.recipes.sheets;

import static dev.recipes.sheets.ActionFixture.JSON;
import static dev.recipes.sheets.ActionFixture.fail;
import static dev.recipes.sheets.ActionFixture.params;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class AppendRowsActionTest {

    private static final String KEY = "ev-1:recipe:0";

    private ActionFixture fixture;

    @BeforeEach
    void startStub() throws IOException {
        fixture = new ActionFixture("append-rows");
    }

    @AfterEach
    void stopStub() {
        fixture.close();
    }

    @Test
    void appendsAllRowsInOneRequest_anchoredAtTheRangesFirstCell() throws Exception {
        Action action = fixture.start();

        JsonNode result = action.execute(fixture.first(rows("Log!C:F",
                "[[\"a\",1],[\"b\",2.5,true],[null,\"=1+1\"]]")));

        assertThat(fixture.google.apiRequests()).hasSize(1);
        StubGoogleFixture.Received append = fixture.google.apiRequests().get(0);
        assertThat(append.method()).isEqualTo("POST");
        assertThat(append.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/Log%21C1:append");
        assertThat(append.rawQuery())
                .isEqualTo("valueInputOption=RAW&insertDataOption=INSERT_ROWS");
        assertThat(append.body()).isEqualTo("{\"range\":\"Log!C1\",\"majorDimension\":\"ROWS\","
                + "\"values\":[[\"a\",1,\"\"],[\"b\",2.5,true],[\"\",\"=1+1\",\"\"]]}");
        assertThat(result.path("updatedRows").asInt()).isEqualTo(1);
        assertThat(result.has("alreadyWrittenRows")).isFalse();
    }

    @Test
    void userEntered_escapesFormulasInEveryRow() {
        Action action = fixture.start();
        ObjectNode params = rows("Log!A:B", "[[\"=IMAGE(1)\",\"ok\"],[\"@x\",\"+1\"],"
                + "[\"-2\",\"\\tx\"]]");
        params.put("valueInputOption", "USER_ENTERED");

        action.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests().get(0).body()).contains("\"values\":[["
                + "\"'=IMAGE(1)\",\"ok\"],[\"'@x\",\"'+1\"],[\"'-2\",\"'\\tx\"]]");
    }

    @Test
    void numbers_areSentExactly() throws Exception {
        Action action = fixture.start();
        ObjectMapper decimals = new ObjectMapper()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        ObjectNode params = params("Log!A:C");
        params.set("rows", decimals.readTree("[[12345678901234567.891, 0.00000001, "
                + "123456789012345678901234567890]]"));

        action.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests().get(0).body()).contains("[[12345678901234567.891,"
                + "0.00000001,123456789012345678901234567890]]");
    }

    @Test
    void keyColumn_putsOneKeyPerRow_withoutReadingOnAFirstAttempt() {
        Action action = fixture.start();
        ObjectNode params = rows("Log!A:B", "[[\"a\",1],[\"b\",2]]").put("keyColumn", "D");

        JsonNode result = action.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests()).singleElement().satisfies(append -> assertThat(
                append.body()).contains("\"values\":[[\"a\",1,\"\",\"" + KEY + "#0\"],[\"b\",2,"
                + "\"\",\"" + KEY + "#1\"]]"));
        assertThat(result.path("alreadyWrittenRows").asInt()).isZero();
    }

    @Test
    void retry_appendsOnlyTheRowsWhoseKeysAreMissing() {
        Action action = fixture.start();
        fixture.google.answerApi(200, "{\"range\":\"Log!D1:D3\",\"majorDimension\":\"COLUMNS\","
                + "\"values\":[[\"key\",\"" + KEY + "#0\",\"other#1\",\"'" + KEY + "#2\"]]}");
        ObjectNode params = rows("Log!A:B", "[[\"a\"],[\"b\"],[\"c\"],[\"d\"]]")
                .put("keyColumn", "D");

        JsonNode result = action.execute(fixture.retry(params));

        StubGoogleFixture.Received read = fixture.google.apiRequests().get(0);
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/Log%21D%3AD");
        assertThat(read.rawQuery())
                .isEqualTo("majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE");
        assertThat(fixture.google.apiRequests().get(1).body()).contains("\"values\":[[\"b\",\"\","
                + "\"\",\"" + KEY + "#1\"],[\"d\",\"\",\"\",\"" + KEY + "#3\"]]");
        assertThat(result.path("alreadyWrittenRows").asInt()).isEqualTo(2);
    }

    @Test
    void retry_whenEveryKeyIsThere_appendsNothing() {
        Action action = fixture.start();
        fixture.google.answerApi(200, "{\"range\":\"Log!C1:C2\",\"values\":[[\"" + KEY
                + "#0\",\"" + KEY + "#1\"]]}");

        JsonNode result = action.execute(fixture.retry(rows("Log!A:B", "[[\"a\"],[\"b\"]]")
                .put("keyColumn", "C")));

        assertThat(fixture.google.apiRequests()).hasSize(1);
        assertThat(result.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"updatedRows\":0,"
                + "\"alreadyWrittenRows\":2}");
    }

    @Test
    void retry_whoseReadFails_isRetryableAndAppendsNothing() {
        Action action = fixture.start();
        fixture.google.answerApi(503, "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}");

        ActionException failure = fail(action, fixture.retry(rows("Log!A:B", "[[\"a\"]]")
                .put("keyColumn", "C")));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("looking up the idempotency keys in 'Log!C:C'");
        assertThat(fixture.google.apiRequests()).hasSize(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"rows\":{}}|parameter 'rows' must be an array of 1 to 10000 rows",
        "{\"rows\":[]}|parameter 'rows' must be an array of 1 to 10000 rows, each an array of "
                + "cells; it is 0 rows",
        "{\"rows\":[[\"a\"],[]]}|row 1 of 'rows' must be a non-empty array of cells; it is empty",
        "{\"rows\":[[\"a\"],\"b\"]}|row 1 of 'rows' must be a non-empty array of cells; it is "
                + "string",
        "{\"rows\":[[{\"x\":1}]]}|cell 0 of row 0 of 'rows' is object",
        "{\"rows\":[[\"a\",\"b\"]],\"keyColumn\":\"B\"}|parameter 'keyColumn': key column 'B' "
                + "would overwrite a mapped column",
        "{\"rows\":[[\"a\"]],\"keyColumn\":\"B1\"}|parameter 'keyColumn': column 'B1' must be",
        "{\"rows\":[[\"a\"]],\"timestampColumns\":[1]}|parameter 'timestampColumns' holds 1",
        "{\"rows\":[[\"yesterday\"]],\"timestampColumns\":[0]}|cell 0 of row 0 of 'rows' is "
                + "marked as a timestamp: 'yesterday' is not an ISO 8601 timestamp",
        "{\"rows\":[[\"a\"]],\"valueInputOption\":\"FORMULA\"}|parameter 'valueInputOption'",
        "{}|parameter 'rows' is missing"})
    void badParameters_failPermanentlyBeforeCallingGoogle(String json, String message)
            throws Exception {
        Action action = fixture.start();
        ObjectNode params = params("Log!A:B");
        params.setAll((ObjectNode) JSON.readTree(json));

        ActionException failure = fail(action, fixture.first(params));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageStartingWith("action 'google-sheets/append-rows': ")
                .hasMessageContaining(message);
        assertThat(fixture.google.apiRequests()).isEmpty();
    }

    private static ObjectNode rows(String range, String rowsJson) {
        try {
            ObjectNode params = params(range);
            params.set("rows", JSON.readTree(rowsJson));
            return params;
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
