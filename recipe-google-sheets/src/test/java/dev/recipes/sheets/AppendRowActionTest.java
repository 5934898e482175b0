package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class AppendRowActionTest {

    private static final KeyFixture KEY = KeyFixture.generate();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private final MutableClockFixture clock = new MutableClockFixture(NOW);
    private StubGoogleFixture google;
    private Connection connection;

    @BeforeEach
    void startStub() throws IOException {
        google = new StubGoogleFixture();
        connection = GoogleSheets.serviceAccountJson("default", KEY.keyJson(google.tokenUrl()));
    }

    @AfterEach
    void stopStub() {
        google.close();
    }

    @Test
    void appendsRowAndReturnsUpdates() throws Exception {
        Action action = start(Map.of());

        JsonNode result = action.execute(invocation(row("'Sales 2024'!A:D",
                "order #42", 19.5, true, null)));

        assertThat(result.toString()).isEqualTo(JSON.readTree(StubGoogleFixture.APPEND_OK)
                .path("updates").toString());
        StubGoogleFixture.Received append = google.apiRequests().get(0);
        assertThat(append.method()).isEqualTo("POST");
        assertThat(append.rawPath()).isEqualTo(
                "/v4/spreadsheets/1AbC/values/%27Sales%202024%27%21A1:append");
        assertThat(append.rawQuery())
                .isEqualTo("valueInputOption=RAW&insertDataOption=INSERT_ROWS");
        assertThat(append.header("Authorization")).isEqualTo("Bearer ya29.stub-0");
        assertThat(append.header("Content-Type")).startsWith("application/json");
        assertThat(append.body()).isEqualTo("{\"range\":\"'Sales 2024'!A1\","
                + "\"majorDimension\":\"ROWS\",\"values\":[[\"order #42\",19.5,true,\"\"]]}");
    }

    @Test
    void fetchesTokenWithJwtBearerGrant() {
        Action action = start(Map.of());

        action.execute(invocation(row("Log!A:B", "a", "b")));

        StubGoogleFixture.Received token = google.tokenRequests().get(0);
        assertThat(token.method()).isEqualTo("POST");
        assertThat(token.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(token.body()).matches("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type"
                + "%3Ajwt-bearer&assertion=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    }

    @Test
    void userEnteredValues_escapeLeadingFormulaCharacters() {
        Action action = start(Map.of());
        ObjectNode params = row("Log!A:F", "=IMPORTDATA(\"x\")", "+1", "-2", "@me", "3/15/2016",
                -5);
        params.put("valueInputOption", "USER_ENTERED");

        action.execute(invocation(params));

        StubGoogleFixture.Received append = google.apiRequests().get(0);
        assertThat(append.rawQuery()).startsWith("valueInputOption=USER_ENTERED&");
        assertThat(append.body()).contains("[[\"'=IMPORTDATA(\\\"x\\\")\",\"'+1\",\"'-2\","
                + "\"'@me\",\"3/15/2016\",-5]]");
    }

    @Test
    void cachesTokenAcrossAppends() {
        Action action = start(Map.of());

        action.execute(invocation(row("Log!A:A", "one")));
        action.execute(invocation(row("Log!A:A", "two")));

        assertThat(google.tokenRequests()).hasSize(1);
        assertThat(google.apiRequests()).extracting(r -> r.header("Authorization"))
                .containsOnly("Bearer ya29.stub-0");
    }

    @Test
    void refreshesTokenAMinuteBeforeItExpires() {
        Action action = start(Map.of());
        action.execute(invocation(row("Log!A:A", "one")));

        clock.advance(Duration.ofSeconds(3599 - 60 - 1));
        action.execute(invocation(row("Log!A:A", "two")));
        clock.advance(Duration.ofSeconds(1));
        action.execute(invocation(row("Log!A:A", "three")));

        assertThat(google.tokenRequests()).hasSize(2);
        assertThat(google.apiRequests()).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer ya29.stub-0", "Bearer ya29.stub-0", "Bearer ya29.stub-1");
    }

    @Test
    void concurrentCallers_shareOneTokenRequest() throws Exception {
        Action action = start(Map.of());
        CountDownLatch tokenGate = google.holdTokens();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task);
            threads.add(thread);
            return thread;
        });
        try {
            List<Future<JsonNode>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> action.execute(invocation(row("Log!A:A", "x")))));
            }

            DeadlineFixture.await(Duration.ofSeconds(10), () -> google.tokenRequests().size() == 1
                    && threads.stream().filter(t -> t.getState() == Thread.State.TIMED_WAITING)
                    .count() == 3);
            tokenGate.countDown();

            for (Future<JsonNode> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS).path("updatedRows").asInt())
                        .isEqualTo(1);
            }
            assertThat(google.tokenRequests()).hasSize(1);
            assertThat(google.apiRequests()).hasSize(4);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCallers_shareATokenFailure() throws Exception {
        Action action = start(Map.of());
        google.answerToken(400, PayloadFixture.read("token-invalid-grant-signature.json"));
        CountDownLatch tokenGate = google.holdTokens();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task);
            threads.add(thread);
            return thread;
        });
        try {
            List<Future<ActionException>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(pool.submit(() -> fail(action, row("Log!A:A", "x"))));
            }

            DeadlineFixture.await(Duration.ofSeconds(10), () -> google.tokenRequests().size() == 1
                    && threads.stream().filter(t -> t.getState() == Thread.State.TIMED_WAITING)
                    .count() == 1);
            tokenGate.countDown();

            for (Future<ActionException> result : results) {
                ActionException failure = result.get(10, TimeUnit.SECONDS);
                assertThat(failure.retryable()).isFalse();
                assertThat(failure).hasMessageContaining("invalid_grant");
            }
            assertThat(google.tokenRequests()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void replacedKey_getsANewTokenAtOnce() {
        Action action = start(Map.of());
        action.execute(invocation(row("Log!A:A", "one")));
        KeyFixture otherKey = KeyFixture.generate();

        connection = GoogleSheets.serviceAccountJson("default",
                otherKey.keyJson(google.tokenUrl()));
        action.execute(invocation(row("Log!A:A", "two")));

        assertThat(google.tokenRequests()).hasSize(2);
    }

    @Test
    void unauthorized_dropsTokenAndRetriesOnce() {
        Action action = start(Map.of());
        google.answerApi(401, PayloadFixture.read("error-401.json"));

        JsonNode result = action.execute(invocation(row("Log!A:A", "one")));

        assertThat(result.path("updatedRows").asInt()).isEqualTo(1);
        assertThat(google.tokenRequests()).hasSize(2);
        assertThat(google.apiRequests()).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer ya29.stub-0", "Bearer ya29.stub-1");
    }

    @Test
    void unauthorizedTwice_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(401, PayloadFixture.read("error-401.json"));
        google.answerApi(401, PayloadFixture.read("error-401.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("Google answered 401 UNAUTHENTICATED")
                .hasMessageContaining("a fresh access token was refused too")
                .message().doesNotContain("ya29");
        assertThat(google.apiRequests()).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503, 504})
    void transientStatus_isRetryable(int status) {
        Action action = start(Map.of());
        google.answerApi(status, "{\"error\":{\"code\":" + status + ",\"message\":\"busy\"}}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).isEmpty();
        assertThat(failure).hasMessage("action 'google-sheets/append-row': spreadsheet '1AbC' "
                + "range 'Log!A:A': Google answered " + status + ": busy");
    }

    @Test
    void quotaError_honoursRetryAfterSeconds() {
        Action action = start(Map.of());
        google.answerApi(429, PayloadFixture.read("error-429-quota.json"),
                Map.of("Retry-After", "17"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(17));
        assertThat(failure).hasMessageContaining("429 RESOURCE_EXHAUSTED: Quota exceeded");
    }

    @Test
    void unavailable_honoursRetryAfterDate() {
        Action action = start(Map.of());
        String date = DateTimeFormatter.RFC_1123_DATE_TIME
                .format(NOW.plusSeconds(120).atOffset(ZoneOffset.UTC));
        google.answerApi(503, PayloadFixture.read("error-503-legacy.json"),
                Map.of("Retry-After", date));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(120));
    }

    @Test
    void forbiddenByRateLimit_isRetryable() {
        Action action = start(Map.of());
        google.answerApi(403, PayloadFixture.read("error-403-rate-limit-legacy.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
    }

    @Test
    void forbidden_isPermanentAndNamesTheAccount() {
        Action action = start(Map.of());
        google.answerApi(403, PayloadFixture.read("error-403-permission.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageEndingWith("Google answered 403 PERMISSION_DENIED: The "
                + "caller does not have permission; share the spreadsheet with '"
                + KeyFixture.CLIENT_EMAIL + "' as an editor");
    }

    @Test
    void notFound_isPermanentWithGooglesMessage() {
        Action action = start(Map.of());
        google.answerApi(404, PayloadFixture.read("error-404.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageEndingWith("404 NOT_FOUND: Requested entity was not found.");
    }

    @Test
    void badRequest_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(400, PayloadFixture.read("error-400-range.json"));

        ActionException failure = fail(action, row("Missing!A:D", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("Unable to parse range: Missing!A:D");
    }

    @Test
    void slowAnswer_isRetryableTimeout() {
        Action action = start(Map.of("google-sheets.request-timeout", "PT0.3S"));
        google.holdApi();

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("no answer from 'http://127.0.0.1:")
                .hasMessageContaining("within PT0.3S");
    }

    @Test
    void unreachableApi_isRetryable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Action action = start(Map.of("google-sheets.api-url", "http://127.0.0.1:" + closedPort));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("cannot connect to 'http://127.0.0.1:"
                + closedPort);
    }

    @Test
    void hugeAnswer_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(200, "{\"pad\":\"" + "x".repeat(ApiHttp.MAX_BODY_BYTES) + "\"}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("is larger than 1048576 bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 503})
    void hugeTransientAnswer_isStillRetryable(int status) {
        Action action = start(Map.of());
        google.answerApi(status, "<html>" + "overloaded ".repeat(200_000) + "</html>",
                Map.of("Retry-After", "7"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(failure).hasMessageContaining("Google answered " + status)
                .message().hasSizeLessThan(1000);
    }

    @Test
    void hugeClientErrorAnswer_isPermanentByItsStatus() {
        Action action = start(Map.of());
        google.answerApi(404, "x".repeat(ApiHttp.MAX_BODY_BYTES * 2));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageEndingWith("Google answered 404: no Google error details "
                + "in the response");
    }

    @Test
    void hugeTokenEndpointOverload_isRetryable() {
        Action action = start(Map.of());
        google.answerToken(503, "x".repeat(ApiHttp.MAX_BODY_BYTES + 1));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("token endpoint '" + google.tokenUrl()
                + "' answered 503");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ya29.THE-ACCESS-TOKEN\\nX", "ya29.THE-ACCESS-TOKEN X",
        "ya29.THE-ACCESS-TOKEN\\u00e9", "ya29.THE-ACCESS-TOKEN\\u007f"})
    void malformedAccessToken_isPermanentAndNeverQuoted(String jsonToken) {
        Action action = start(Map.of());
        google.answerToken(200, "{\"access_token\":\"" + jsonToken
                + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasNoCause()
                .hasMessageContaining("answered 200 with an 'access_token' that is not 1 to 4096 "
                        + "visible ASCII characters")
                .message().doesNotContain("THE-ACCESS-TOKEN");
        assertThat(google.apiRequests()).isEmpty();
    }

    @Test
    void overlongAccessToken_isPermanentAndNeverQuoted() {
        Action action = start(Map.of());
        String token = "ya29." + "T".repeat(TokenSource.MAX_TOKEN_LENGTH);
        google.answerToken(200, "{\"access_token\":\"" + token
                + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasNoCause().message().doesNotContain("TTTT");
        assertThat(google.apiRequests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "99999999999999999999999", "1e30"})
    void hugeExpiresIn_isCappedAtADay(String expiresIn) {
        Action action = start(Map.of());
        google.answerToken(200, "{\"access_token\":\"ya29.long\",\"expires_in\":" + expiresIn
                + ",\"token_type\":\"Bearer\"}");
        action.execute(invocation(row("Log!A:A", "one")));

        clock.advance(Duration.ofHours(24).minusSeconds(60 + 1));
        action.execute(invocation(row("Log!A:A", "two")));
        clock.advance(Duration.ofSeconds(1));
        action.execute(invocation(row("Log!A:A", "three")));

        assertThat(google.tokenRequests()).hasSize(2);
        assertThat(google.apiRequests()).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer ya29.long", "Bearer ya29.long", "Bearer ya29.stub-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "-9223372036854775808", "-1e30", "\"3599\"", "null"})
    void nonPositiveExpiresIn_isPermanent(String expiresIn) {
        Action action = start(Map.of());
        google.answerToken(200, "{\"access_token\":\"ya29.x\",\"expires_in\":" + expiresIn
                + ",\"token_type\":\"Bearer\"}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("answered 200 without a Bearer 'access_token' "
                + "and a positive 'expires_in'");
    }

    @Test
    void refusedGrant_isPermanentWithHint() {
        Action action = start(Map.of());
        google.answerToken(400, PayloadFixture.read("token-invalid-grant-signature.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("service account '" + KeyFixture.CLIENT_EMAIL
                + "': token endpoint '" + google.tokenUrl() + "' answered 400 (invalid_grant: "
                + "Invalid JWT Signature.); the key may be deleted or disabled");
        assertThat(google.apiRequests()).isEmpty();
    }

    @Test
    void clockSkewGrantError_pointsAtTheClock() {
        Action action = start(Map.of());
        google.answerToken(400, PayloadFixture.read("token-invalid-grant-clock.json"));

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure).hasMessageEndingWith("the host's clock is probably wrong: sync it "
                + "with NTP");
    }

    @Test
    void tokenEndpointOverloaded_isRetryable() {
        Action action = start(Map.of());
        google.answerToken(503, "");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isTrue();
    }

    @Test
    void tokenAnswerWithoutToken_isPermanent() {
        Action action = start(Map.of());
        google.answerToken(200, "{\"id_token\":\"x\"}");

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("answered 200 without a Bearer 'access_token'");
    }

    @Test
    void configuredTokenUrl_winsOverKeyFile() {
        connection = GoogleSheets.serviceAccountJson("default",
                KEY.keyJson("https://oauth2.googleapis.com/token"));
        Action action = start(Map.of("google-sheets.token-url", google.tokenUrl()));

        action.execute(invocation(row("Log!A:A", "one")));

        assertThat(google.tokenRequests()).hasSize(1);
    }

    @Test
    void rejectsUnknownValueInputOption_withoutCallingGoogle() {
        Action action = start(Map.of());
        ObjectNode params = row("Log!A:A", "one");
        params.put("valueInputOption", "INPUT_VALUE_OPTION_UNSPECIFIED");

        ActionException failure = fail(action, params);

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessage("action 'google-sheets/append-row': parameter "
                + "'valueInputOption' is \"INPUT_VALUE_OPTION_UNSPECIFIED\"; use \"RAW\" or "
                + "\"USER_ENTERED\"");
        assertThat(google.tokenRequests()).isEmpty();
    }

    @Test
    void rejectsNestedCellsAndBadRanges() {
        Action action = start(Map.of());
        ObjectNode nested = row("Log!A:A", "one");
        nested.withArray("values").addObject();

        assertThat(fail(action, nested)).hasMessageContaining("cell 1 of 'values' is object");
        assertThat(fail(action, row("Log", "one"))).hasMessageContaining("range 'Log' must name");
        assertThat(fail(action, row("Log!A:A"))).hasMessageContaining("non-empty array");
    }

    @Test
    void missingConnection_isPermanent() {
        Action action = start(Map.of());
        connection = null;

        ActionException failure = fail(action, row("Log!A:A", "one"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("connection 'default' is not in the connection "
                + "store");
    }

    @Test
    void connectionWithoutKey_isPermanent() {
        Action action = start(Map.of());
        connection = Connection.builder("google-sheets", "default").build();

        assertThat(fail(action, row("Log!A:A", "one")))
                .hasMessageContaining("secret 'service-account-json' is missing");
    }

    @Test
    void rejectsInvalidUrlsAtStart() {
        GoogleSheetsService service = new GoogleSheetsService();

        assertThatThrownBy(() -> service.start(new ContextFixture(clock,
                Map.of("google-sheets.api-url", "sheets.googleapis.com"))))
                .hasMessage("config 'google-sheets.api-url': 'sheets.googleapis.com' is not an "
                        + "http(s) URL with a host and no query, such as "
                        + "'https://sheets.googleapis.com'");
        assertThatThrownBy(() -> service.start(new ContextFixture(clock,
                Map.of("google-sheets.token-url", "ftp://x/token"))))
                .hasMessageContaining("config 'google-sheets.token-url': 'ftp://x/token'");
        assertThatThrownBy(() -> service.start(new ContextFixture(clock,
                Map.of("google-sheets.request-timeout", "soon"))))
                .hasMessageContaining("config 'google-sheets.request-timeout': 'soon'");
    }

    @Test
    void actionBeforeStart_isPermanent() {
        Action action = new GoogleSheetsService().actions().get(0);

        assertThat(fail(action, row("Log!A:A", "one"))).hasMessageContaining("not started");
    }

    @Test
    void keyColumn_carriesTheKeyInItsColumn_andSaysNotAlreadyWritten() {
        Action action = start(Map.of());
        ObjectNode params = row("Log!A:D", "a", 1).put("keyColumn", "F");

        JsonNode result = action.execute(invocation(params));

        assertThat(google.apiRequests()).singleElement().satisfies(append -> {
            assertThat(append.method()).isEqualTo("POST");
            assertThat(append.body()).isEqualTo("{\"range\":\"Log!A1\",\"majorDimension\":"
                    + "\"ROWS\",\"values\":[[\"a\",1,\"\",\"\",\"\",\"ev-1:recipe:0\"]]}");
        });
        assertThat(result.path("updatedRange").asText()).isEqualTo("Log!A1:C1");
        assertThat(result.path("alreadyWritten").isBoolean()).isTrue();
        assertThat(result.path("alreadyWritten").asBoolean()).isFalse();
    }

    @Test
    void keyColumn_countsFromTheRangesFirstColumn() {
        Action action = start(Map.of());

        action.execute(invocation(row("Log!C:D", "a").put("keyColumn", "D")));

        assertThat(google.apiRequests().get(0).body()).contains("\"values\":[[\"a\","
                + "\"ev-1:recipe:0\"]]");
    }

    @Test
    void keyColumnWithUserEntered_keepsTheKeyAsText() {
        Action action = start(Map.of());
        ObjectNode params = row("Log!A:A", "=1+1").put("keyColumn", "B")
                .put("valueInputOption", "USER_ENTERED");

        action.execute(invocation(params));

        assertThat(google.apiRequests().get(0).body())
                .contains("\"values\":[[\"'=1+1\",\"'ev-1:recipe:0\"]]");
    }

    @Test
    void firstAttempt_doesNotReadTheKeyColumn() {
        Action action = start(Map.of());

        action.execute(invocation(row("Log!A:A", "a").put("keyColumn", "B")));

        assertThat(google.apiRequests()).extracting(StubGoogleFixture.Received::method)
                .containsExactly("POST");
    }

    @Test
    void retry_findsTheKey_andAppendsNothing() {
        Action action = start(Map.of());
        google.answerApi(200, "{\"range\":\"'Sales 2024'!F1:F1000\",\"majorDimension\":"
                + "\"COLUMNS\",\"values\":[[\"key\",\"\",\"ev-0:recipe:0\",\"ev-1:recipe:0\"]]}");

        JsonNode result = action.execute(retry(row("'Sales 2024'!A:D", "a", "b")
                .put("keyColumn", "F")));

        assertThat(result.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"updatedRange\":"
                + "\"'Sales 2024'!A4:F4\",\"alreadyWritten\":true}");
        StubGoogleFixture.Received read = google.apiRequests().get(0);
        assertThat(google.apiRequests()).hasSize(1);
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/"
                + "%27Sales%202024%27%21F%3AF");
        assertThat(read.rawQuery()).isEqualTo("majorDimension=COLUMNS&"
                + "valueRenderOption=UNFORMATTED_VALUE");
        assertThat(read.header("Authorization")).isEqualTo("Bearer ya29.stub-0");
    }

    @Test
    void retry_countsRowsFromTheAnsweredRange() {
        Action action = start(Map.of());
        google.answerApi(200, "{\"range\":\"Log!C3:C9\",\"values\":[[\"x\",\"'ev-1:recipe:0\"]]}");

        JsonNode result = action.execute(retry(row("Log!A:A", "a").put("keyColumn", "C")));

        assertThat(result.path("updatedRange").asText()).isEqualTo("Log!A4:C4");
        assertThat(result.path("alreadyWritten").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"range\":\"Log!B1:B1000\",\"majorDimension\":\"COLUMNS\"}",
        "{\"range\":\"Log!B1:B9\",\"values\":[[\"ev-1:recipe:0 \",\"xev-1:recipe:0\",7,true,"
            + "null]]}",
        "{\"values\":[[],[\"ev-1:recipe:0\"]]}"})
    void retry_withoutTheKeyInTheColumn_appends(String answer) {
        Action action = start(Map.of());
        google.answerApi(200, answer);

        JsonNode result = action.execute(retry(row("Log!A:A", "a").put("keyColumn", "B")));

        assertThat(google.apiRequests()).extracting(StubGoogleFixture.Received::method)
                .containsExactly("GET", "POST");
        assertThat(google.apiRequests().get(1).body()).contains("[[\"a\",\"ev-1:recipe:0\"]]");
        assertThat(result.path("updatedRows").asInt()).isEqualTo(1);
        assertThat(result.path("alreadyWritten").asBoolean()).isFalse();
    }

    @Test
    void retry_withoutKeyColumn_appendsWithoutReading() {
        Action action = start(Map.of());

        JsonNode result = action.execute(retry(row("Log!A:A", "a")));

        assertThat(google.apiRequests()).extracting(StubGoogleFixture.Received::method)
                .containsExactly("POST");
        assertThat(result.has("alreadyWritten")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503, 504})
    void failedLookup_isRetryable_andAppendsNothing(int status) {
        Action action = start(Map.of());
        google.answerApi(status, "{\"error\":{\"code\":" + status + ",\"message\":\"busy\"}}",
                Map.of("Retry-After", "9"));

        ActionException failure = failRetry(action, row("Log!A:A", "a").put("keyColumn", "B"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(9));
        assertThat(failure).hasMessage("action 'google-sheets/append-row': spreadsheet '1AbC' "
                + "range 'Log!A:A': looking up the idempotency key in 'Log!B:B': Google answered "
                + status + ": busy");
        assertThat(google.apiRequests()).hasSize(1);
    }

    @Test
    void forbiddenLookup_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(403, PayloadFixture.read("error-403-permission.json"));

        ActionException failure = failRetry(action, row("Log!A:A", "a").put("keyColumn", "B"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("looking up the idempotency key in 'Log!B:B'")
                .hasMessageEndingWith("share the spreadsheet with '" + KeyFixture.CLIENT_EMAIL
                        + "' as an editor");
        assertThat(google.apiRequests()).hasSize(1);
    }

    @Test
    void rateLimitedLookup_isRetryable() {
        Action action = start(Map.of());
        google.answerApi(403, PayloadFixture.read("error-403-rate-limit-legacy.json"));

        assertThat(failRetry(action, row("Log!A:A", "a").put("keyColumn", "B")).retryable())
                .isTrue();
    }

    @Test
    void lookupOfAMissingSheet_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(400, PayloadFixture.read("error-400-range.json"));

        ActionException failure = failRetry(action, row("Missing!A:D", "a")
                .put("keyColumn", "E"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("Unable to parse range");
    }

    @Test
    void unauthorizedLookup_getsANewTokenOnce() {
        Action action = start(Map.of());
        google.answerApi(401, PayloadFixture.read("error-401.json"));
        google.answerApi(200, "{\"values\":[[\"ev-1:recipe:0\"]]}");

        JsonNode result = action.execute(retry(row("Log!A:A", "a").put("keyColumn", "B")));

        assertThat(result.path("alreadyWritten").asBoolean()).isTrue();
        assertThat(google.apiRequests()).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer ya29.stub-0", "Bearer ya29.stub-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1]", "{\"values\":{\"a\":1}}", "{\"values\":[\"x\"]}",
        "{\"values\":[[\"x\""})
    void unreadableLookupAnswer_isRetryable(String answer) {
        Action action = start(Map.of());
        google.answerApi(200, answer);

        ActionException failure = failRetry(action, row("Log!A:A", "a").put("keyColumn", "B"));

        assertThat(failure.retryable()).isTrue();
        assertThat(failure).hasMessageContaining("looking up the idempotency key in 'Log!B:B': "
                + "Google's answer is not a ValueRange (");
        assertThat(google.apiRequests()).hasSize(1);
    }

    @Test
    void lookupAnswerLargerThanItsLimit_isPermanent() {
        Action action = start(Map.of());
        google.answerApi(200, "{\"values\":[[\"" + "x".repeat(KeyLookup.MAX_BODY_BYTES)
                + "\"]]}");

        ActionException failure = failRetry(action, row("Log!A:A", "a").put("keyColumn", "B"));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageContaining("is larger than 33554432 bytes");
    }

    @Test
    void lookupAnswerLargerThanAnAppendAnswer_isRead() {
        Action action = start(Map.of());
        String filler = "\"other-key\",".repeat(ApiHttp.MAX_BODY_BYTES / 10);
        google.answerApi(200, "{\"values\":[[" + filler + "\"ev-1:recipe:0\"]]}");

        JsonNode result = action.execute(retry(row("Log!A:A", "a").put("keyColumn", "B")));

        assertThat(result.path("alreadyWritten").asBoolean()).isTrue();
        assertThat(result.path("updatedRange").asText())
                .isEqualTo("Log!A" + (ApiHttp.MAX_BODY_BYTES / 10 + 1) + ":B"
                        + (ApiHttp.MAX_BODY_BYTES / 10 + 1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "F1 | parameter 'keyColumn': key column 'F1' must be one to three column letters",
        "6  | parameter 'keyColumn': key column '6' must be one to three column letters",
        "A  | parameter 'keyColumn': key column 'A' is left of range 'Log!B:D'",
        "c  | parameter 'keyColumn': key column 'C' would overwrite a mapped column: the 2 "
            + "mapped columns fill 'B' to 'C'; put the key in 'D' or further right"})
    void rejectsBadKeyColumn_withoutCallingGoogle(String keyColumn, String message) {
        Action action = start(Map.of());
        ObjectNode params = row("Log!B:D", "a", "b");
        // A number is not column letters either, and is reported as given.
        params.set("keyColumn", JSON.valueToTree(keyColumn.matches("[0-9]+")
                ? Integer.valueOf(keyColumn) : keyColumn));

        ActionException failure = failRetry(action, params);

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageStartingWith("action 'google-sheets/append-row': "
                + message);
        assertThat(google.tokenRequests()).isEmpty();
    }

    private Action start(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>();
        config.put("google-sheets.api-url", google.apiUrl());
        config.putAll(overrides);
        GoogleSheetsService service = new GoogleSheetsService();
        service.start(new ContextFixture(clock, config));
        return service.actions().get(0);
    }

    private static ObjectNode row(String range, Object... cells) {
        ObjectNode params = JSON.createObjectNode();
        params.put("spreadsheetId", "1AbC");
        params.put("range", range);
        params.set("values", JSON.valueToTree(cells));
        return params;
    }

    private ActionInvocation invocation(ObjectNode params) {
        return new ActionInvocation("google-sheets", "append-row", params, "default",
                connection, "ev-1:recipe:0", "recipe", "ev-1", false);
    }

    /** An invocation after a failed attempt, which may have had its effect. */
    private ActionInvocation retry(ObjectNode params) {
        return new ActionInvocation("google-sheets", "append-row", params, "default",
                connection, "ev-1:recipe:0", "recipe", "ev-1", true);
    }

    private ActionException failRetry(Action action, ObjectNode params) {
        Throwable thrown = catchThrowable(() -> action.execute(retry(params)));
        assertThat(thrown).isInstanceOf(ActionException.class);
        return (ActionException) thrown;
    }

    private ActionException fail(Action action, ObjectNode params) {
        Throwable thrown = catchThrowable(() -> action.execute(invocation(params)));
        assertThat(thrown).isInstanceOf(ActionException.class);
        return (ActionException) thrown;
    }
}
