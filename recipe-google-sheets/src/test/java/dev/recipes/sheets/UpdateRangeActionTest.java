package dev.recipes.sheets;

import static dev.recipes.sheets.ActionFixture.JSON;
import static dev.recipes.sheets.ActionFixture.fail;
import static dev.recipes.sheets.ActionFixture.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class UpdateRangeActionTest {

    private static final String UPDATED = "{\"spreadsheetId\":\"1AbC\",\"updatedRange\":"
            + "\"Log!B7:D7\",\"updatedRows\":1,\"updatedColumns\":3,\"updatedCells\":3}";

    private ActionFixture fixture;

    @BeforeEach
    void startStub() throws IOException {
        fixture = new ActionFixture("update-range");
    }

    @AfterEach
    void stopStub() {
        fixture.close();
    }

    @Test
    void putsTheRowOverTheRange_andReturnsGooglesAnswer() {
        Action action = fixture.start();
        fixture.google.answerApi(200, UPDATED);

        JsonNode result = action.execute(fixture.first(values("Log!B7:D7",
                "[\"paid\",19.5,null]")));

        StubGoogleFixture.Received update = fixture.google.apiRequests().get(0);
        assertThat(update.method()).isEqualTo("PUT");
        assertThat(update.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/Log%21B7%3AD7");
        assertThat(update.rawQuery()).isEqualTo("valueInputOption=RAW");
        assertThat(update.body()).isEqualTo("{\"range\":\"Log!B7:D7\",\"majorDimension\":"
                + "\"ROWS\",\"values\":[[\"paid\",19.5,\"\"]]}");
        assertThat(result.toString()).isEqualTo(UPDATED);
    }

    @Test
    void severalRows_fromASingleCell_mayExtendFromIt() {
        Action action = fixture.start();

        action.execute(fixture.first(values("Log!B7", "[[\"a\",\"b\",\"c\"],[\"d\"]]")));

        assertThat(fixture.google.apiRequests().get(0).body()).contains(
                "\"values\":[[\"a\",\"b\",\"c\"],[\"d\",\"\",\"\"]]");
    }

    @Test
    void userEntered_escapesFormulas() {
        Action action = fixture.start();
        ObjectNode params = values("Log!A2:B2", "[\"=HYPERLINK(\\\"x\\\")\",\"3/15/2016\"]")
                .put("valueInputOption", "USER_ENTERED");

        action.execute(fixture.first(params));

        StubGoogleFixture.Received update = fixture.google.apiRequests().get(0);
        assertThat(update.rawQuery()).isEqualTo("valueInputOption=USER_ENTERED");
        assertThat(update.body()).contains("[[\"'=HYPERLINK(\\\"x\\\")\",\"3/15/2016\"]]");
    }

    @Test
    void timestamps_areWrittenInTheConfiguredZoneAndPattern() {
        Action action = fixture.start(Map.of("google-sheets.time-zone", "Europe/Paris",
                "google-sheets.date-time-pattern", "dd.MM.yyyy HH:mm",
                "google-sheets.locale", "de-DE"));
        ObjectNode params = values("Log!A2:D2", "[\"2024-05-01T12:00:00Z\","
                + "\"2024-12-24T18:30:00-05:00\",\"2024-05-01T12:00:00Z\","
                + "\"2024-01-01T08:00+09:00[Asia/Tokyo]\"]");
        params.putArray("timestampColumns").add(0).add(1).add(3);

        action.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests().get(0).body()).contains("[[\"01.05.2024 14:00\","
                + "\"25.12.2024 00:30\",\"2024-05-01T12:00:00Z\",\"01.01.2024 00:00\"]]");
    }

    @Test
    void timestamps_withOnlyAZone_areIsoInThatZone_andWithNothingConfigured_asGiven() {
        Action zoned = fixture.start(Map.of("google-sheets.time-zone", "America/New_York"));
        Action plain = fixture.start();
        ObjectNode params = values("Log!A2", "[\"2024-05-01T12:00:00Z\"]");
        params.putArray("timestampColumns").add(0);

        zoned.execute(fixture.first(params));
        plain.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests().get(0).body())
                .contains("[[\"2024-05-01T08:00-04:00\"]]");
        assertThat(fixture.google.apiRequests().get(1).body())
                .contains("[[\"2024-05-01T12:00:00Z\"]]");
    }

    @Test
    void timestamps_useTheLocaleForNames() {
        Action action = fixture.start(Map.of("google-sheets.time-zone", "UTC",
                "google-sheets.date-time-pattern", "d MMMM yyyy", "google-sheets.locale",
                "fr-FR"));
        ObjectNode params = values("Log!A2", "[\"2024-05-01T12:00:00Z\"]");
        params.putArray("timestampColumns").add(0);

        action.execute(fixture.first(params));

        assertThat(fixture.google.apiRequests().get(0).body()).contains("[[\"1 mai 2024\"]]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "google-sheets.time-zone|Mars/Olympus|config 'google-sheets.time-zone': 'Mars/Olympus' "
                + "is not a time zone id",
        "google-sheets.date-time-pattern|yyyy-MM-dd {x|config 'google-sheets.date-time-pattern'",
        "google-sheets.locale|not a tag!|config 'google-sheets.locale': 'not a tag!' is not a "
                + "BCP 47 language tag",
        "google-sheets.locale|de-DE|a locale only applies to"})
    void badTimeConfiguration_failsTheStart(String key, String value, String message) {
        assertThatThrownBy(() -> fixture.start(Map.of(key, value)))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Log!A:C|[\"a\"]|range 'Log!A:C' must start at a cell",
        "Log!B7:C7|[\"a\",\"b\",\"c\"]|range 'Log!B7:C7' has 2 columns but the rows have 3 cells",
        "Log!B7:C8|[[\"a\"],[\"b\"],[\"c\"]]|range 'Log!B7:C8' has 2 rows but 'values' has 3",
        "Log!B7|[]|parameter 'values' must be a non-empty array of cells, or of rows; it is empty",
        "Log!B7|{\"a\":1}|parameter 'values' must be a non-empty array",
        "Log!B7|[[\"a\"],\"b\"]|row 1 of 'values' must be a non-empty array of cells",
        "Log|[\"a\"]|range 'Log' must name a sheet and cells"})
    void badParameters_failPermanentlyBeforeCallingGoogle(String range, String valuesJson,
            String message) {
        Action action = fixture.start();

        ActionException failure = fail(action, fixture.first(values(range, valuesJson)));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageStartingWith("action 'google-sheets/update-range': ")
                .hasMessageContaining(message);
        assertThat(fixture.google.apiRequests()).isEmpty();
    }

    @Test
    void googleRefusingTheRange_isPermanent_withGooglesMessage() {
        Action action = fixture.start();
        fixture.google.answerApi(400, "{\"error\":{\"code\":400,\"message\":\"Unable to parse "
                + "range: Nope!A1\",\"status\":\"INVALID_ARGUMENT\"}}");

        ActionException failure = fail(action, fixture.first(values("Nope!A1", "[\"a\"]")));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("Google answered 400 INVALID_ARGUMENT: Unable "
                + "to parse range: Nope!A1");
    }

    private static ObjectNode values(String range, String valuesJson) {
        try {
            ObjectNode params = params(range);
            params.set("values", JSON.readTree(valuesJson));
            return params;
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
