package dev.recipes.testkit.sheets;

import static dev.recipes.testkit.sheets.FakeClientFixture.HTTP;
import static dev.recipes.testkit.sheets.FakeClientFixture.accessToken;
import static dev.recipes.testkit.sheets.FakeClientFixture.assertGoogleError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.testkit.MutableClock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fake's {@code spreadsheets.values.get}, and the faults that make a client unsure whether
 * an append was written.
 */
final class FakeSheetsServerReadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final String ROWS = "{\"values\":[[\"a\",1,true],[\"b\"],[\"c\",2.5,\"x\"]]}";

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    private final TestServiceAccount account = fake.newServiceAccount();
    private String token;

    @BeforeEach
    void signIn() throws Exception {
        fake.createSpreadsheet("1AbC", "Log", "Bob's log");
        token = accessToken(fake, account, NOW);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Log%21B%3AB  | majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE "
            + "| {\"range\":\"Log!B1:B3\",\"majorDimension\":\"COLUMNS\",\"values\":"
            + "[[1,\"\",2.5]]}",
        "Log%21A1%3AC3 | "
            + "| {\"range\":\"Log!A1:C3\",\"majorDimension\":\"ROWS\",\"values\":[[\"a\",\"1\","
            + "\"TRUE\"],[\"b\"],[\"c\",\"2.5\",\"x\"]]}",
        "Log%21A%3AE  | valueRenderOption=FORMULA "
            + "| {\"range\":\"Log!A1:E3\",\"majorDimension\":\"ROWS\",\"values\":[[\"a\",1,true],"
            + "[\"b\"],[\"c\",2.5,\"x\"]]}",
        "Log%212%3A3  | valueRenderOption=UNFORMATTED_VALUE "
            + "| {\"range\":\"Log!A2:C3\",\"majorDimension\":\"ROWS\",\"values\":[[\"b\"],[\"c\","
            + "2.5,\"x\"]]}",
        "Log%21C2     | "
            + "| {\"range\":\"Log!C2\",\"majorDimension\":\"ROWS\"}",
        "Log%21F%3AF  | majorDimension=COLUMNS "
            + "| {\"range\":\"Log!F1:F3\",\"majorDimension\":\"COLUMNS\"}",
        "Log%21A%3AC  | majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE "
            + "| {\"range\":\"Log!A1:C3\",\"majorDimension\":\"COLUMNS\",\"values\":[[\"a\",\"b\","
            + "\"c\"],[1,\"\",2.5],[true,\"\",\"x\"]]}",
        "Log          | majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE "
            + "| {\"range\":\"Log!A1:C3\",\"majorDimension\":\"ROWS\",\"values\":[[\"a\",1,true],"
            + "[\"b\"],[\"c\",2.5,\"x\"]]}"})
    void answersAValueRangeOfWhatIsStored(String range, String query, String answer)
            throws Exception {
        append("Log%21A%3AC", ROWS);

        HttpResponse<String> response = get(range, query == null ? "" : query);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(answer);
    }

    @Test
    void readsAColumnRightOfWhereRowsStart_withEmptyCellsKept() throws Exception {
        append("%27Bob%27%27s%20log%27%21B%3AB", "{\"values\":[[\"x\",\"\",\"k1\"],"
                + "[\"y\"],[\"z\",null,\"k3\"]]}");

        HttpResponse<String> response = get("%27Bob%27%27s%20log%27%21D%3AD",
                "majorDimension=COLUMNS");

        assertThat(JSON.readTree(response.body()).toString()).isEqualTo("{\"range\":"
                + "\"'Bob''s log'!D1:D3\",\"majorDimension\":\"COLUMNS\",\"values\":[[\"k1\","
                + "\"\",\"k3\"]]}");
    }

    @Test
    void recordsAndCountsReads() throws Exception {
        get("Log%21F%3AF", "majorDimension=COLUMNS");

        RecordedRequest read = fake.requests().get(fake.requests().size() - 1);
        assertThat(read.isValuesGet()).isTrue();
        assertThat(read.isAppend()).isFalse();
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.path()).isEqualTo("/v4/spreadsheets/1AbC/values/Log%21F%3AF");
        assertThat(read.query()).isEqualTo("majorDimension=COLUMNS");
        assertThat(read.header("Authorization")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer ya29."));
        assertThat(fake.readRequests()).isEqualTo(1);
        assertThat(fake.appendRequests()).isZero();
    }

    @Test
    void rejectsInvalidOptions() throws Exception {
        HttpResponse<String> dimension = get("Log%21A%3AA", "majorDimension=DIAGONAL");
        HttpResponse<String> render = get("Log%21A%3AA", "valueRenderOption=PRETTY");

        assertGoogleError(dimension, 400, "INVALID_ARGUMENT");
        assertThat(dimension.body()).contains("major_dimension").contains("DIAGONAL");
        assertGoogleError(render, 400, "INVALID_ARGUMENT");
        assertThat(render.body()).contains("value_render_option").contains("PRETTY");
    }

    @Test
    void unknownSpreadsheetOrSheet_isRefused() throws Exception {
        HttpResponse<String> spreadsheet = send(HttpRequest.newBuilder(URI.create(fake.apiUrl()
                + "/v4/spreadsheets/1Other/values/Log%21A%3AA")).GET(), token);
        HttpResponse<String> sheet = get("Missing%21A%3AA", "");
        HttpResponse<String> range = get("Log%21A0%3AB", "");

        assertGoogleError(spreadsheet, 404, "NOT_FOUND");
        assertGoogleError(sheet, 400, "INVALID_ARGUMENT");
        assertThat(sheet.body()).contains("Unable to parse range: Missing!A:A");
        assertGoogleError(range, 400, "INVALID_ARGUMENT");
    }

    @Test
    void checksTheToken_andTakesAReadOnlyScope() throws Exception {
        String readOnly = tokenWithScope("https://www.googleapis.com/auth/spreadsheets.readonly");
        String calendar = tokenWithScope("https://www.googleapis.com/auth/calendar");

        HttpResponse<String> missing = send(request("Log%21A%3AA", ""), "");
        HttpResponse<String> read = send(request("Log%21A%3AA", ""), readOnly);
        HttpResponse<String> write = send(HttpRequest.newBuilder(URI.create(fake.apiUrl()
                + "/v4/spreadsheets/1AbC/values/Log%21A%3AA:append?valueInputOption=RAW"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"values\":[[1]]}")), readOnly);
        HttpResponse<String> other = send(request("Log%21A%3AA", ""), calendar);

        assertGoogleError(missing, 401, "UNAUTHENTICATED");
        assertThat(read.statusCode()).isEqualTo(200);
        assertGoogleError(write, 403, "PERMISSION_DENIED");
        assertGoogleError(other, 403, "PERMISSION_DENIED");
    }

    @Test
    void failNextGet_failsReadsInOrder_andLeavesAppendsAlone() throws Exception {
        fake.failNextGet(503);
        fake.failNextGet(429, "{\"error\":{\"code\":429}}", Map.of("Retry-After", "7"));

        HttpResponse<String> appended = append("Log%21A%3AA", "{\"values\":[[\"k\"]]}");
        HttpResponse<String> first = get("Log%21A%3AA", "");
        HttpResponse<String> second = get("Log%21A%3AA", "");
        HttpResponse<String> third = get("Log%21A%3AA", "");

        assertThat(appended.statusCode()).isEqualTo(200);
        assertGoogleError(first, 503, "UNAVAILABLE");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).contains("7");
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(fake.readRequests()).isEqualTo(3);
        assertThat(fake.failedAppends()).isZero();
    }

    @Test
    void failAfterWriteNextAppend_storesTheRow_andAnswersTheError() throws Exception {
        fake.failAfterWriteNextAppend(503);

        HttpResponse<String> unknown = append("Log%21A%3AA", "{\"values\":[[\"first\"]]}");
        HttpResponse<String> next = append("Log%21A%3AA", "{\"values\":[[\"second\"]]}");

        assertGoogleError(unknown, 503, "UNAVAILABLE");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("first"),
                List.of("second"));
        assertThat(fake.failedAppends()).isEqualTo(1);
    }

    @Test
    void failAfterWriteNextAppend_isUsedUpByAnAppendThatFailsItsChecks() throws Exception {
        fake.failAfterWriteNextAppend(504);

        HttpResponse<String> refused = append("Missing%21A%3AA", "{\"values\":[[\"lost\"]]}");
        HttpResponse<String> next = append("Log%21A%3AA", "{\"values\":[[\"kept\"]]}");

        assertGoogleError(refused, 400, "INVALID_ARGUMENT");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("kept"));
    }

    @Test
    void failAfterWriteNextAppend_waitsItsTurnBehindOtherFaults() throws Exception {
        fake.failNextAppend(500);
        fake.failAfterWriteNextAppend(503);

        HttpResponse<String> first = append("Log%21A%3AA", "{\"values\":[[\"one\"]]}");
        HttpResponse<String> second = append("Log%21A%3AA", "{\"values\":[[\"two\"]]}");

        assertGoogleError(first, 500, "INTERNAL");
        assertGoogleError(second, 503, "UNAVAILABLE");
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("two"));
        assertThat(fake.failedAppends()).isEqualTo(2);
    }

    @Test
    void rejectsInjectedSuccessStatuses() {
        assertThatThrownBy(() -> fake.failNextGet(200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status 200 is not an error status");
        assertThatThrownBy(() -> fake.failAfterWriteNextAppend(204))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status 204 is not an error status");
        assertThatThrownBy(() -> fake.failNextGet(503, "{}", Map.of("Content-Length", "2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Content-Length' cannot be set");
    }

    @Test
    void autoCreatingFake_readsUnknownSpreadsheetsAsEmpty() throws Exception {
        try (FakeSheetsServer lenient = FakeSheetsServer.builder().autoCreateSpreadsheets(true)
                .clock(clock).start()) {
            String lenientToken = accessToken(lenient, lenient.newServiceAccount(), NOW);

            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(
                    lenient.apiUrl() + "/v4/spreadsheets/1New/values/Any%21A%3AA")).GET(),
                    lenientToken);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"range\":\"Any!A1\","
                    + "\"majorDimension\":\"ROWS\"}");
            assertThat(lenient.rows("1New", "Any")).isEmpty();
        }
    }

    private String tokenWithScope(String scope) throws Exception {
        String jwt = JwtFixture.sign(JwtFixture.claims(account.clientEmail(), fake.tokenUrl(),
                NOW.getEpochSecond() - 30, NOW.getEpochSecond() + 3570).put("scope", scope),
                account.privateKey());
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(fake.tokenUrl()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(JwtFixture.form(jwt)))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    private HttpResponse<String> append(String encodedRange, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(fake.apiUrl() + "/v4/spreadsheets/1AbC/"
                + "values/" + encodedRange + ":append?valueInputOption=RAW"))
                .POST(HttpRequest.BodyPublishers.ofString(body)), token);
    }

    private HttpResponse<String> get(String encodedRange, String query) throws Exception {
        return send(request(encodedRange, query), token);
    }

    private HttpRequest.Builder request(String encodedRange, String query) {
        return HttpRequest.newBuilder(URI.create(fake.apiUrl() + "/v4/spreadsheets/1AbC/values/"
                + encodedRange + (query.isEmpty() ? "" : "?" + query))).GET();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String bearer)
            throws Exception {
        request.timeout(Duration.ofSeconds(10));
        if (!bearer.isEmpty()) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
