package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.ManualScheduler;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recipe tests that wire the engine by hand; the retry one is in docs/testing-recipes.md. */
final class SalesLogTest {

    private static final Secret SIGNING_SECRET = Secret.of("test-signing-secret");

    static Recipe salesLog() {
        return Recipe.named("sales-log")
                .when(Slack.message().inChannel("C0SALES").containing("invoice"))
                .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:B")
                        .column("/event/user")
                        .column("/event/text"))
                .build();
    }

    @Test
    void salesMessageBecomesARow() throws Exception {
        try (FakeSheetsServer sheets = FakeSheetsServer.start()) {
            sheets.createSpreadsheet("1AbCsheet", "Log");
            RecipeEngine engine = RecipeEngine.builder()
                    .config("slack.signing-secret", SIGNING_SECRET.reveal())
                    .config("google-sheets.api-url", sheets.apiUrl())
                    .config("google-sheets.token-url", sheets.tokenUrl())
                    .recipe(salesLog())
                    .build();
            engine.connections().put(sheets.newServiceAccount().connection());
            engine.start();

            WebhookResponse response = SlackSimulator.of(SIGNING_SECRET)
                    .withTarget(engine.webhooks())          // in-process; or withTarget(URI)
                    .message("C0SALES", "U0USER1", "invoice #42 paid")
                    .send();
            assertThat(engine.awaitIdle(Duration.ofSeconds(5))).isTrue();

            assertThat(response.status()).isEqualTo(200);
            assertThat(sheets.rows("1AbCsheet", "Log"))
                    .containsExactly(List.of("U0USER1", "invoice #42 paid"));
            engine.close();
        }
    }

    /** The example of "The engine by hand" in docs/testing-recipes.md, word for word. */
    @Test
    void retryWaitsForRetryAfterWithoutSleeping() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (FakeSheetsServer sheets = FakeSheetsServer.builder().clock(clock).start()) {
            sheets.createSpreadsheet("1AbCsheet", "Log");
            RecipeEngine engine = RecipeEngine.builder()
                    .clock(clock)
                    .scheduler(scheduler)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(3).build())
                    .config("slack.signing-secret", SIGNING_SECRET.reveal())
                    .config("google-sheets.api-url", sheets.apiUrl())
                    .config("google-sheets.token-url", sheets.tokenUrl())
                    .recipe(salesLog())
                    .build();
            engine.connections().put(sheets.newServiceAccount().connection());
            engine.start();
            SlackSimulator slack = SlackSimulator.of(SIGNING_SECRET, clock)
                    .withTarget(engine.webhooks());

            String quota = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}";
            sheets.failNextAppend(429, quota, Map.of("Retry-After", "30"));
            slack.message("C0SALES", "U0USER1", "invoice #7").send();
            // Attempt 1 fails; attempt 2 waits for the Retry-After, then runs in advance().
            assertThat(engine.bus().awaitIdle(Duration.ofSeconds(5))).isTrue();
            assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(30));
            scheduler.advance(Duration.ofSeconds(30));

            assertThat(engine.awaitIdle(Duration.ofSeconds(5))).isTrue();
            assertThat(sheets.rows("1AbCsheet", "Log")).hasSize(1);
            engine.close();
        }
    }
}
