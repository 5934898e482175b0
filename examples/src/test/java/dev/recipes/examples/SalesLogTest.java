package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackSimulator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recipe test of docs/testing.md, word for word, so that the guide stays true. */
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
            engine.awaitIdle(Duration.ofSeconds(5));

            assertThat(response.status()).isEqualTo(200);
            assertThat(sheets.rows("1AbCsheet", "Log"))
                    .containsExactly(List.of("U0USER1", "invoice #42 paid"));
            engine.close();
        }
    }
}
