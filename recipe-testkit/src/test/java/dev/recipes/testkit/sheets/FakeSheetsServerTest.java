package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.testkit.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FakeSheetsServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    private final TestServiceAccount account = fake.newServiceAccount();

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void listensOnLoopback() {
        assertThat(fake.apiUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(fake.tokenUrl()).isEqualTo(fake.apiUrl() + "/token");
    }

    @Test
    void grantsTokenForValidAssertion() throws Exception {
        HttpResponse<String> response = tokenRequest(JwtFixture.form(assertion(account)));

        JsonNode body = JSON.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body.path("access_token").asText()).startsWith("ya29.");
        assertThat(body.path("expires_in").asInt()).isEqualTo(3599);
        assertThat(body.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(fake.tokenRequests()).isEqualTo(1);
    }

    @Test
    void rejectsOtherGrantType() throws Exception {
        HttpResponse<String> response = tokenRequest("grant_type=refresh_token&refresh_token=x");

        assertOAuthError(response, "unsupported_grant_type", "Invalid grant_type: refresh_token");
    }

    @Test
    void rejectsMissingAssertion() throws Exception {
        HttpResponse<String> response = tokenRequest(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");

        assertOAuthError(response, "invalid_request", "Missing required parameter: assertion");
    }

    @Test
    void rejectsUnknownAccount() throws Exception {
        TestServiceAccount stranger = TestServiceAccount.generate("who@x.iam.gserviceaccount.com",
                fake.tokenUrl());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(assertion(stranger)));

        assertOAuthError(response, "invalid_grant", "Invalid grant: account not found");
    }

    @Test
    void rejectsSignatureByAnotherKey() throws Exception {
        TestServiceAccount impostor = TestServiceAccount.generate(account.clientEmail(),
                fake.tokenUrl());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(assertion(impostor)));

        assertOAuthError(response, "invalid_grant", "Invalid JWT Signature.");
    }

    @Test
    void acceptsAnySecondRegisteredKey() throws Exception {
        TestServiceAccount rotated = TestServiceAccount.generate(account.clientEmail(),
                fake.tokenUrl()).registerWith(fake);

        HttpResponse<String> response = tokenRequest(JwtFixture.form(assertion(rotated)));

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsOtherAlgorithm() throws Exception {
        String jwt = JwtFixture.sign("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims(account),
                account.privateKey());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_grant", "Invalid JWT: alg must be RS256");
    }

    @Test
    void rejectsWrongAudience() throws Exception {
        String jwt = JwtFixture.sign(JwtFixture.claims(account.clientEmail(),
                "https://oauth2.googleapis.com/token", seconds(NOW) - 30, seconds(NOW) + 3570),
                account.privateKey());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_grant", "Invalid JWT: Failed audience check. The "
                + "expected value was " + fake.tokenUrl());
    }

    @Test
    void rejectsAssertionLivingOverAnHour() throws Exception {
        String jwt = JwtFixture.sign(JwtFixture.claims(account.clientEmail(), fake.tokenUrl(),
                seconds(NOW), seconds(NOW) + 3601), account.privateKey());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_grant", TokenGrant.SHORT_LIVED);
    }

    @Test
    void rejectsExpiredAssertion() throws Exception {
        String jwt = assertion(account);
        clock.advance(Duration.ofHours(2));

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_grant", TokenGrant.SHORT_LIVED);
    }

    @Test
    void rejectsAssertionFromTheFuture() throws Exception {
        String jwt = JwtFixture.sign(JwtFixture.claims(account.clientEmail(), fake.tokenUrl(),
                seconds(NOW) + 600, seconds(NOW) + 1200), account.privateKey());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_grant", TokenGrant.SHORT_LIVED);
    }

    @Test
    void rejectsAssertionWithoutScope() throws Exception {
        String jwt = JwtFixture.sign(claims(account).put("scope", ""), account.privateKey());

        HttpResponse<String> response = tokenRequest(JwtFixture.form(jwt));

        assertOAuthError(response, "invalid_scope", "Invalid OAuth scope or ID token audience "
                + "provided.");
    }

    @Test
    void appendsRowsAndAnswersAppendValuesResponse() throws Exception {
        fake.createSpreadsheet("1AbC");
        String token = token(account);

        JsonNode first = JSON.readTree(append(token, "Log%21A%3AD", "RAW",
                "{\"range\":\"Log!A:D\",\"majorDimension\":\"ROWS\","
                        + "\"values\":[[\"a\",1,true,null]]}").body());
        JsonNode second = JSON.readTree(append(token, "Log%21A%3AD", "RAW",
                "{\"values\":[[\"b\",2.5],[\"c\"]]}").body());

        assertThat(first.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"updates\":{"
                + "\"spreadsheetId\":\"1AbC\",\"updatedRange\":\"Log!A1:D1\",\"updatedRows\":1,"
                + "\"updatedColumns\":4,\"updatedCells\":4}}");
        assertThat(second.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\","
                + "\"tableRange\":\"Log!A1:D1\",\"updates\":{\"spreadsheetId\":\"1AbC\","
                + "\"updatedRange\":\"Log!A2:B3\",\"updatedRows\":2,\"updatedColumns\":2,"
                + "\"updatedCells\":3}}");
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("a", 1L, true, ""),
                List.of("b", 2.5), List.of("c"));
        assertThat(fake.appendRequests()).isEqualTo(2);
    }

    @Test
    void decodesQuotedSheetNamesAndStartsAtTheRangesColumn() throws Exception {
        fake.createSpreadsheet("1AbC");

        JsonNode answer = JSON.readTree(append(token(account),
                "%27Bob%27%27s%20log%27%21C%3AD", "RAW", "{\"values\":[[\"x\",\"y\"]]}").body());

        assertThat(answer.at("/updates/updatedRange").asText()).isEqualTo("'Bob''s log'!C1:D1");
        assertThat(fake.rows("1AbC", "Bob's log")).containsExactly(List.of("", "", "x", "y"));
    }

    @Test
    void userEnteredValues_areParsed() throws Exception {
        fake.createSpreadsheet("1AbC");

        append(token(account), "Log%21A%3AE", "USER_ENTERED",
                "{\"values\":[[\"42\",\"-1.5\",\"true\",\"'=1+1\",\"3/15/2016\"]]}");

        assertThat(fake.rows("1AbC", "Log")).containsExactly(
                List.of(42L, -1.5, true, "=1+1", "3/15/2016"));
    }

    @Test
    void columnsMajorValues_areTransposed() throws Exception {
        fake.createSpreadsheet("1AbC");

        append(token(account), "Log%21A%3AB", "RAW",
                "{\"majorDimension\":\"COLUMNS\",\"values\":[[\"a\",\"b\"],[1,2]]}");

        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("a", 1L), List.of("b", 2L));
    }

    @Test
    void rejectsMissingBearerToken() throws Exception {
        fake.createSpreadsheet("1AbC");

        HttpResponse<String> response = append("", "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");

        assertGoogleError(response, 401, "UNAUTHENTICATED");
        assertThat(fake.rows("1AbC", "Log")).isEmpty();
    }

    @Test
    void rejectsExpiredAndRevokedTokens() throws Exception {
        fake.createSpreadsheet("1AbC");
        String token = token(account);

        clock.advance(Duration.ofSeconds(3599));
        HttpResponse<String> expired = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");
        clock.advance(Duration.ofSeconds(-3599));
        fake.revokeTokens();
        HttpResponse<String> revoked = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");

        assertGoogleError(expired, 401, "UNAUTHENTICATED");
        assertGoogleError(revoked, 401, "UNAUTHENTICATED");
    }

    @Test
    void rejectsTokenWithoutSheetsScope() throws Exception {
        fake.createSpreadsheet("1AbC");
        String jwt = JwtFixture.sign(claims(account).put("scope",
                "https://www.googleapis.com/auth/calendar"), account.privateKey());
        String token = JSON.readTree(tokenRequest(JwtFixture.form(jwt)).body())
                .path("access_token").asText();

        HttpResponse<String> response = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");

        assertGoogleError(response, 403, "PERMISSION_DENIED");
    }

    @Test
    void requiresValidValueInputOption() throws Exception {
        fake.createSpreadsheet("1AbC");
        String token = token(account);

        HttpResponse<String> missing = append(token, "Log%21A%3AD", null, "{\"values\":[[1]]}");
        HttpResponse<String> invalid = append(token, "Log%21A%3AD", "FORMULA",
                "{\"values\":[[1]]}");

        assertGoogleError(missing, 400, "INVALID_ARGUMENT");
        assertThat(missing.body()).contains("'valueInputOption' is required but not specified");
        assertGoogleError(invalid, 400, "INVALID_ARGUMENT");
        assertThat(invalid.body()).contains("\\\"FORMULA\\\"");
    }

    @Test
    void unknownSpreadsheet_isNotFound() throws Exception {
        HttpResponse<String> response = append(token(account), "Log%21A%3AD", "RAW",
                "{\"values\":[[1]]}");

        assertGoogleError(response, 404, "NOT_FOUND");
        assertThat(response.body()).contains("Requested entity was not found.");
    }

    @Test
    void autoCreatedSpreadsheets_takeAnySheet() throws Exception {
        try (FakeSheetsServer lenient = FakeSheetsServer.builder().autoCreateSpreadsheets(true)
                .start()) {
            TestServiceAccount other = lenient.newServiceAccount();
            String token = JSON.readTree(post(lenient.tokenUrl(), Map.of(
                    "Content-Type", "application/x-www-form-urlencoded"), JwtFixture.form(
                    JwtFixture.sign(JwtFixture.claims(other.clientEmail(), lenient.tokenUrl(),
                            Instant.now().getEpochSecond(), Instant.now().getEpochSecond() + 60),
                            other.privateKey()))).body()).path("access_token").asText();

            HttpResponse<String> response = post(lenient.apiUrl()
                    + "/v4/spreadsheets/1New/values/Any%21A1:append?valueInputOption=RAW",
                    Map.of("Authorization", "Bearer " + token), "{\"values\":[[\"x\"]]}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(lenient.rows("1New", "Any")).containsExactly(List.of("x"));
        }
    }

    @Test
    void spreadsheetWithNamedSheets_rejectsOtherSheets() throws Exception {
        fake.createSpreadsheet("1AbC", "Log");

        HttpResponse<String> response = append(token(account), "Missing%21A%3AD", "RAW",
                "{\"values\":[[1]]}");

        assertGoogleError(response, 400, "INVALID_ARGUMENT");
        assertThat(response.body()).contains("Unable to parse range: Missing!A:D");
    }

    @Test
    void rejectsBodyRangeThatDiffersFromPath() throws Exception {
        fake.createSpreadsheet("1AbC");

        HttpResponse<String> response = append(token(account), "Log%21A%3AD", "RAW",
                "{\"range\":\"Other!A:D\",\"values\":[[1]]}");

        assertGoogleError(response, 400, "INVALID_ARGUMENT");
    }

    @Test
    void rejectsNestedCells() throws Exception {
        fake.createSpreadsheet("1AbC");

        HttpResponse<String> response = append(token(account), "Log%21A%3AD", "RAW",
                "{\"values\":[[{\"a\":1}]]}");

        assertGoogleError(response, 400, "INVALID_ARGUMENT");
    }

    @Test
    void injectedFailures_comeFirstAndInOrder() throws Exception {
        fake.createSpreadsheet("1AbC");
        String token = token(account);
        fake.failNextAppend(503);
        fake.failNextAppend(429, "{\"error\":{\"code\":429}}", Map.of("Retry-After", "7"));

        HttpResponse<String> first = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");
        HttpResponse<String> second = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");
        HttpResponse<String> third = append(token, "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");

        assertGoogleError(first, 503, "UNAVAILABLE");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).contains("7");
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).hasSize(1);
    }

    @Test
    void rejectsInjectedSuccessStatus() {
        assertThatThrownBy(() -> fake.failNextAppend(200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status 200 is not an error status");
    }

    @Test
    void recordsRequests() throws Exception {
        fake.createSpreadsheet("1AbC");

        append(token(account), "Log%21A%3AD", "RAW", "{\"values\":[[1]]}");

        List<RecordedRequest> requests = fake.requests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).isTokenRequest()).isTrue();
        assertThat(requests.get(1).isAppend()).isTrue();
        assertThat(requests.get(1).path()).isEqualTo("/v4/spreadsheets/1AbC/values/"
                + "Log%21A%3AD:append");
        assertThat(requests.get(1).query()).isEqualTo("valueInputOption=RAW");
        assertThat(requests.get(1).header("authorization")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer ya29."));
    }

    @Test
    void unknownPath_isNotFound() throws Exception {
        HttpResponse<String> response = post(fake.apiUrl() + "/v4/spreadsheets/1AbC:batchUpdate",
                Map.of(), "{}");

        assertGoogleError(response, 404, "NOT_FOUND");
    }

    @Test
    void keyFileLooksLikeGoogles(@TempDir Path dir) throws Exception {
        Path file = account.writeKeyFile(dir.resolve("key.json"));

        JsonNode key = JSON.readTree(file.toFile());

        assertThat(key.fieldNames()).toIterable().containsExactly("type", "project_id",
                "private_key_id", "private_key", "client_email", "client_id", "auth_uri",
                "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
                "universe_domain");
        assertThat(key.path("type").asText()).isEqualTo("service_account");
        assertThat(key.path("private_key").asText()).startsWith("-----BEGIN PRIVATE KEY-----\n")
                .endsWith("\n-----END PRIVATE KEY-----\n");
        assertThat(key.path("private_key_id").asText()).matches("[0-9a-f]{40}");
        assertThat(key.path("token_uri").asText()).isEqualTo(fake.tokenUrl());
        assertThat(account.toString()).doesNotContain("PRIVATE");
    }

    private String assertion(TestServiceAccount signer) {
        return JwtFixture.sign(claims(signer), signer.privateKey());
    }

    private ObjectNode claims(TestServiceAccount signer) {
        return JwtFixture.claims(signer.clientEmail(), fake.tokenUrl(), seconds(NOW) - 30,
                seconds(NOW) + 3570);
    }

    private String token(TestServiceAccount signer) throws Exception {
        HttpResponse<String> response = tokenRequest(JwtFixture.form(assertion(signer)));
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    private HttpResponse<String> tokenRequest(String form) throws Exception {
        return post(fake.tokenUrl(), Map.of("Content-Type", "application/x-www-form-urlencoded"),
                form);
    }

    private HttpResponse<String> append(String token, String encodedRange, String option,
            String body) throws Exception {
        String query = option == null ? "" : "?valueInputOption=" + option;
        return post(fake.apiUrl() + "/v4/spreadsheets/1AbC/values/" + encodedRange + ":append"
                + query, token.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + token),
                body);
    }

    private static HttpResponse<String> post(String url, Map<String, String> headers,
            String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertOAuthError(HttpResponse<String> response, String error,
            String description) throws Exception {
        JsonNode body = JSON.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("error_description").asText()).isEqualTo(description);
    }

    private static void assertGoogleError(HttpResponse<String> response, int code,
            String status) throws Exception {
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(response.statusCode()).isEqualTo(code);
        assertThat(error.path("code").asInt()).isEqualTo(code);
        assertThat(error.path("status").asText()).isEqualTo(status);
        assertThat(error.path("message").asText()).isNotBlank();
    }

    private static long seconds(Instant instant) {
        return instant.getEpochSecond();
    }
}
