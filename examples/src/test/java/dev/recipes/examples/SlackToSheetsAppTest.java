package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.TestServiceAccount;
import dev.recipes.testkit.slack.SlackSimulator;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app with real settings, pointed at a fake Sheets server, fed over loopback HTTP. */
final class SlackToSheetsAppTest {

    private static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path keys;

    private FakeSheetsServer sheets;
    private SlackToSheetsApp app;
    private SlackSimulator slack;

    @BeforeEach
    void start() {
        sheets = FakeSheetsServer.start();
        sheets.createSpreadsheet("1SheetId", "Log");
        TestServiceAccount account = sheets.newServiceAccount();
        Path keyFile = account.writeKeyFile(keys.resolve("sa.json"));
        Settings settings = Settings.fromEnvironment(Map.of(
                "RECIPE_HTTP_HOST", "127.0.0.1",
                "RECIPE_HTTP_PORT", "0",
                "SLACK_SIGNING_SECRET", SECRET,
                "GOOGLE_SERVICE_ACCOUNT_JSON", keyFile.toString(),
                "GOOGLE_SHEETS_API_URL", sheets.apiUrl(),
                "GOOGLE_TOKEN_URL", sheets.tokenUrl(),
                "SHEET_ID", "1SheetId",
                "SHEET_RANGE", "Log!A:D")).orElseThrow();
        app = SlackToSheetsApp.start(settings);
        slack = SlackSimulator.of(Secret.of(SECRET))
                .withTarget(URI.create("http://127.0.0.1:" + app.port()));
    }

    @AfterEach
    void stop() {
        app.close();
        sheets.close();
    }

    @Test
    void signedHttpPostBecomesARowAtTheSheetsServer() throws Exception {
        Instant sent = Instant.parse("2026-12-04T09:30:00Z");

        WebhookResponse response = slack.message("C0SALES", "U0USER1", "order #42")
                .eventTime(sent).send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(app.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows("1SheetId", "Log")).containsExactly(
                List.of("2026-12-04T09:30:00Z", "C0SALES", "U0USER1", "order #42"));
    }

    @Test
    void redeliveryOfTheSameEventAddsNoSecondRow() throws Exception {
        var request = slack.message("C0SALES", "U0USER1", "only once").build();

        int first = request.send().status();
        int retry = request.redelivered(1, "http_timeout").send().status();

        assertThat(List.of(first, retry)).containsOnly(200);
        assertThat(app.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows("1SheetId", "Log")).hasSize(1);
    }

    @Test
    void badRequestsGetClearStatusesAndAddNoRow() throws Exception {
        WebhookResponse tampered = slack.message("C0SALES", "U0USER1", "x")
                .tamperAfterSigning().send();
        WebhookResponse stale = slack.message("C0SALES", "U0USER1", "x").stale().send();
        WebhookResponse malformed = slack.rawBody("application/json",
                "{\"type\":".getBytes()).send();
        int oversized = post(new byte[2 * 1024 * 1024]);
        WebhookResponse unknownType = slack.event("sparkle_added",
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()).send();

        assertThat(tampered.status()).isEqualTo(401);
        assertThat(stale.status()).isEqualTo(401);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(oversized).isEqualTo(413);
        assertThat(unknownType.status()).isEqualTo(200);
        assertThat(app.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows("1SheetId", "Log")).isEmpty();
    }

    @Test
    void botMessagesAndEditsAreSkipped() throws Exception {
        slack.message("C0SALES", "U0BOT", "digest")
                .editEvent(event -> event.put("subtype", "bot_message")).send();
        slack.message("C0SALES", "U0USER1", "edited")
                .editEvent(event -> event.put("subtype", "message_changed")).send();

        assertThat(app.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows("1SheetId", "Log")).isEmpty();
    }

    private int post(byte[] body) throws Exception {
        // With Expect: 100-continue, as JDK clients may send it: the server answers 100 and then
        // 413, which the JDK's HttpClient needs (given 413 alone, it waits for ever).
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.port() + "/hooks/slack"))
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
