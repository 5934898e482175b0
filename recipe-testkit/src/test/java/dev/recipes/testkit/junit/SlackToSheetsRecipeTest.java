package dev.recipes.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Recipe;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackRequest;
import dev.recipes.testkit.slack.SlackSimulator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A Slack-to-Sheets recipe tested as users test theirs: with {@link RecipeTest}. */
@RecipeTest
final class SlackToSheetsRecipeTest {

    private TestEngine engineOfBeforeEach;
    private FakeSheetsServer sheetsOfBeforeEach;

    static Recipe salesLog() {
        return Recipe.named("sales-log")
                .when(Slack.message().inChannel("C0SALES").containing("invoice"))
                .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:B")
                        .column("/event/user")
                        .column("/event/text"))
                .build();
    }

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        engine.recipe(salesLog());
        sheets.createSpreadsheet("1AbCsheet", "Log");
        engineOfBeforeEach = engine;
        sheetsOfBeforeEach = sheets;
    }

    @Test
    void invoiceMessageBecomesARow(TestEngine engine, SlackSimulator slack,
            FakeSheetsServer sheets) {
        WebhookResponse response = slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        engine.awaitIdle();

        assertThat(response.status()).isEqualTo(200);
        engine.assertThatSheet(sheets, "1AbCsheet", "Log")
                .containsExactlyRows(List.of("U0USER1", "invoice #42 paid"));
        engine.assertThatAction("google-sheets", "append-row")
                .succeeded()
                .hasAttempts(1)
                .wasRequestedBy("sales-log")
                .hasParam("/range", "Log!A:B")
                .hasParam("/values", List.of("U0USER1", "invoice #42 paid"));
        engine.assertThatEvents().ofType("slack.message").single()
                .hasData("/event/channel", "C0SALES")
                .hasSubject("C0SALES");
        engine.assertThatDeadLetters().isEmpty();
        engine.assertThatRequests(sheets).hasAppends(1).hasTokenRequests(1)
                .hasAppendContaining("invoice #42 paid");
    }

    @Test
    void otherMessages_requestNothing(TestEngine engine, SlackSimulator slack,
            FakeSheetsServer sheets) {
        slack.message("C0SALES", "U0USER1", "lunch?").send();
        slack.message("C0RANDOM", "U0USER1", "invoice #43 paid").send();
        engine.awaitIdle();

        engine.assertThatEvents().hasSize(2);
        engine.assertThatActions().isEmpty();
        engine.assertThatSheet(sheets, "1AbCsheet", "Log").isEmpty();
        engine.assertThatRequests(sheets).hasAppends(0);
    }

    @Test
    void redeliveredWebhook_writesOneRow(TestEngine engine, SlackSimulator slack,
            FakeSheetsServer sheets) {
        SlackRequest first = slack.message("C0SALES", "U0USER1", "invoice #44 paid").build();

        first.send();
        first.redelivered(1, "http_timeout").send();
        engine.awaitIdle();

        engine.assertThatActions().hasSize(1).allSucceeded();
        engine.assertThatSheet(sheets, "1AbCsheet", "Log").hasRowCount(1);
    }

    @Test
    void forgedSignature_isRefusedAndNothingHappens(TestEngine engine, SlackSimulator slack) {
        WebhookResponse response = slack.message("C0SALES", "U0USER1", "invoice #45 paid")
                .signedWith(Secret.of("not-the-signing-secret"))
                .send();
        engine.awaitIdle();

        assertThat(response.status()).isEqualTo(401);
        engine.assertThatEvents().isEmpty();
        engine.assertThatActions().isEmpty();
    }

    @Test
    void beforeEachAndTest_shareTheEngineAndTheFakes(TestEngine engine, FakeSheetsServer sheets) {
        assertThat(engine).isSameAs(engineOfBeforeEach);
        assertThat(sheets).isSameAs(sheetsOfBeforeEach);
        assertThat(engine.fake(FakeSheetsServer.class)).isSameAs(sheets);
    }

    @Test
    void webhooksOverRealHttp_reachTheSameEngine(TestEngine engine, SlackSimulator slack,
            FakeSheetsServer sheets) {
        try (JdkWebhookServer server = JdkWebhookServer.start(engine.engine(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            WebhookResponse response = slack
                    .withTarget(URI.create("http://127.0.0.1:" + server.port()))
                    .message("C0SALES", "U0USER2", "invoice #46 paid")
                    .send();
            engine.awaitIdle();

            assertThat(response.status()).isEqualTo(200);
            engine.assertThatSheet(sheets, "1AbCsheet", "Log")
                    .containsRow("U0USER2", "invoice #46 paid");
        }
    }
}
