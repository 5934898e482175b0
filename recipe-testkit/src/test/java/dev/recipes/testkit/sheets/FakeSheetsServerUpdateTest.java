package dev.recipes.testkit.sheets;

import static dev.recipes.testkit.sheets.FakeClientFixture.accessToken;
import static dev.recipes.testkit.sheets.FakeClientFixture.assertGoogleError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.testkit.MutableClock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fake's {@code spreadsheets.values.update}, and its model of Google's table detection. */
final class FakeSheetsServerUpdateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    private String token;

    @BeforeEach
    void signIn() throws Exception {
        fake.createSpreadsheet("1AbC", "Log");
        token = accessToken(fake, fake.newServiceAccount(), NOW);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void update_writesFromTheRangesFirstCell_andAnswersAnUpdateValuesResponse()
            throws Exception {
        HttpResponse<String> response = send("PUT", "Log%21B2%3AD3", "?valueInputOption=RAW",
                "{\"range\":\"Log!B2:D3\",\"values\":[[\"a\",1,true],[null,2.5]]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"updatedRange\":"
                + "\"Log!B2:D3\",\"updatedRows\":2,\"updatedColumns\":3,\"updatedCells\":5}");
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of(),
                List.of("", "a", 1L, true), List.of("", "", 2.5));
        assertThat(fake.updateRequests()).isEqualTo(1);
    }

    @Test
    void update_overwritesOnlyTheNamedCells() throws Exception {
        send("PUT", "Log%21A1", "?valueInputOption=RAW", "{\"values\":[[\"a\",\"b\",\"c\"]]}");

        send("PUT", "Log%21B1", "?valueInputOption=USER_ENTERED", "{\"values\":[[\"'=x\"]]}");

        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("a", "=x", "c"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Log%21B2%3AC2|?valueInputOption=RAW|{\"values\":[[1,2,3]]}|400|INVALID_ARGUMENT",
        "Log%21B2%3AC2|?valueInputOption=RAW|{\"values\":[[1],[2]]}|400|INVALID_ARGUMENT",
        "Log%21B2|''|{\"values\":[[1]]}|400|INVALID_ARGUMENT",
        "Log%21B2|?valueInputOption=PARSED|{\"values\":[[1]]}|400|INVALID_ARGUMENT",
        "Nope%21B2|?valueInputOption=RAW|{\"values\":[[1]]}|400|INVALID_ARGUMENT",
        "Log%21B2|?valueInputOption=RAW|{\"range\":\"Log!C9\",\"values\":[[1]]}|400|"
                + "INVALID_ARGUMENT",
        "Log%21B2|?valueInputOption=RAW|{\"values\":[[{}]]}|400|INVALID_ARGUMENT"})
    void update_refusesWhatGoogleRefuses(String range, String query, String body, int code,
            String status) throws Exception {
        HttpResponse<String> response = send("PUT", range, query, body);

        assertGoogleError(response, code, status);
        assertThat(fake.rows("1AbC", "Log")).isEmpty();
    }

    @Test
    void update_withoutAValidToken_is401() throws Exception {
        token = "ya29.unknown";

        assertGoogleError(send("PUT", "Log%21A1", "?valueInputOption=RAW",
                "{\"values\":[[1]]}"), 401, "UNAUTHENTICATED");
    }

    @Test
    void append_toAnUnanchoredRange_startsWhereTheTableStarts() throws Exception {
        send("PUT", "Log%21C1", "?valueInputOption=RAW", "{\"values\":[[\"h1\",\"h2\"]]}");

        HttpResponse<String> wholeSheet = send("POST", "Log", ":append?valueInputOption=RAW",
                "{\"values\":[[1,2]]}");
        HttpResponse<String> columns = send("POST", "Log%21A%3AZ",
                ":append?valueInputOption=RAW", "{\"values\":[[3,4]]}");
        HttpResponse<String> anchored = send("POST", "Log%21A1",
                ":append?valueInputOption=RAW", "{\"values\":[[5,6]]}");

        assertThat(updatedRange(wholeSheet)).isEqualTo("Log!C2:D2");
        assertThat(updatedRange(columns)).isEqualTo("Log!C3:D3");
        assertThat(updatedRange(anchored)).isEqualTo("Log!A4:B4");
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("", "", "h1", "h2"),
                List.of("", "", 1L, 2L), List.of("", "", 3L, 4L), List.of(5L, 6L));
    }

    @Test
    void append_toAnUnanchoredRangeOnAnEmptySheet_startsInItsFirstColumn() throws Exception {
        HttpResponse<String> response = send("POST", "Log%21B%3AC",
                ":append?valueInputOption=RAW", "{\"values\":[[1]]}");

        assertThat(updatedRange(response)).isEqualTo("Log!B1");
    }

    private static String updatedRange(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("updates").path("updatedRange").asText();
    }

    private HttpResponse<String> send(String method, String range, String suffix, String body)
            throws Exception {
        return FakeClientFixture.HTTP.send(HttpRequest.newBuilder(URI.create(fake.apiUrl()
                        + "/v4/spreadsheets/1AbC/values/" + range + suffix))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
