package dev.recipes.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.recipes.core.ActionAttempt;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Recipe;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackSimulator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * What the assertions say when they fail: what was expected, what was there, and what the
 * engine saw, compactly and with credentials masked.
 */
@RecipeTest
final class AssertionMessagesTest {

    private TestEngine engine;
    private SlackSimulator slack;
    private FakeSheetsServer sheets;

    static Recipe salesLog() {
        return Recipe.named("sales-log")
                .when(Slack.message().inChannel("C0SALES").containing("invoice"))
                .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:B")
                        .column("/event/user")
                        .column("/event/text"))
                .build();
    }

    @BeforeEach
    void setUp(TestEngine engine, SlackSimulator slack, FakeSheetsServer sheets) {
        this.engine = engine.recipe(salesLog());
        this.slack = slack;
        this.sheets = sheets;
        sheets.createSpreadsheet("1AbCsheet", "Log");
    }

    @Test
    void refusedWebhook_isListedWithItsAnswer() {
        slack.message("C0SALES", "U0USER1", "invoice #9").stale().send();
        engine.awaitIdle();

        AssertionFailedError failure = catchThrowableOfType(AssertionFailedError.class,
                () -> engine.assertThatEvents().hasSize(1));

        assertThat(failure.getMessage())
                .contains("What the test engine saw:\nWebhooks not accepted (1):\n  1. POST "
                        + "/hooks/slack -> 401 ")
                .contains("Events received: none");
    }

    @Test
    void acceptedWebhooks_addNoSection() {
        slack.message("C0SALES", "U0USER1", "lunch?").send();
        engine.awaitIdle();

        assertThat(engine.describeActivity()).doesNotContain("Webhooks not accepted");
    }

    @Test
    void wrongRows_showTheRowsTheRequestsAndWhatTheEngineSaw() {
        slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        engine.awaitIdle();

        AssertionFailedError failure = catchThrowableOfType(AssertionFailedError.class,
                () -> engine.assertThatSheet(sheets, "1AbCsheet", "Log")
                        .containsExactlyRows(List.of("U0USER1", "invoice #43 paid")));

        assertThat(failure).hasMessageStartingWith("expected sheet 'Log' of spreadsheet "
                + "'1AbCsheet' to hold exactly the rows [[\"U0USER1\", \"invoice #43 paid\"]], "
                + "but it holds 1 row:\n  1. [\"U0USER1\", \"invoice #42 paid\"]\n\n"
                + "Requests the fake Sheets server received (2):\n"
                + "  1. POST /token (a token request; its form is not shown)\n"
                + "  2. POST /v4/spreadsheets/1AbCsheet/values/");
        assertThat(failure.getMessage())
                .contains("\n\nWhat the test engine saw:\nEvents received (1):\n  1. "
                        + "slack.message '")
                .contains("\"token\":\"***\"")
                .contains("\"text\":\"invoice #42 paid\"")
                .contains("Actions requested (1):\n  1. google-sheets/append-row by recipe "
                        + "'sales-log' for event '")
                .contains("succeeded on attempt 1; params {\"spreadsheetId\":\"1AbCsheet\","
                        + "\"range\":\"Log!A:B\",\"values\":[\"U0USER1\",\"invoice #42 paid\"]")
                .contains("Recipe failures: none\nDead letters: none");
        assertThat(failure.getExpected().getValue())
                .isEqualTo("[[\"U0USER1\", \"invoice #43 paid\"]]");
        assertThat(failure.getActual().getValue())
                .isEqualTo("[[\"U0USER1\", \"invoice #42 paid\"]]");
    }

    @Test
    void messages_neverShowCredentials() {
        slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        engine.awaitIdle();
        String signingSecret = slack.message("C0SALES", "U0USER1", "x").build()
                .header("X-Slack-Signature").orElseThrow();

        Throwable failure = catchThrowableOfType(AssertionError.class,
                () -> engine.assertThatSheet(sheets, "1AbCsheet", "Log").isEmpty());

        assertThat(failure.getMessage())
                .doesNotContain("test-signing-secret")
                .doesNotContain(signingSecret)
                .doesNotContain("ya29.")
                .doesNotContain("Bearer")
                .doesNotContain("PRIVATE KEY")
                .doesNotContain("assertion=");
    }

    @Test
    void actionNeverRequested_listsTheEventsSeen() {
        slack.message("C0SALES", "U0USER1", "lunch?").send();
        engine.awaitIdle();

        assertThatThrownBy(() -> engine.assertThatAction("google-sheets", "append-row"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("expected exactly one of the action requests of "
                        + "google-sheets/append-row, but saw none\n\nWhat the test engine saw:\n"
                        + "Events received (1):\n  1. slack.message '")
                .hasMessageContaining("\"text\":\"lunch?\"")
                .hasMessageContaining("Actions requested: none");
    }

    @Test
    void wrongParam_showsTheValueAndAllParams() {
        slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        engine.awaitIdle();

        assertThatThrownBy(() -> engine.assertThatAction("google-sheets", "append-row")
                .hasParam("/values/1", "invoice #43 paid"))
                .isInstanceOf(AssertionError.class)
                .hasMessageMatching("(?s)expected google-sheets/append-row \\(recipe 'sales-log', "
                        + "event '[^']+'\\) to have parameter /values/1 = \"invoice #43 paid\", "
                        + "but it is \"invoice #42 paid\"; its parameters are "
                        + "\\{\"spreadsheetId\":\"1AbCsheet\".*");
        assertThatThrownBy(() -> engine.assertThatAction("google-sheets", "append-row")
                .hasParam("/values/5", "x"))
                .hasMessageContaining("to have parameter /values/5 = \"x\", but it has none "
                        + "there");
    }

    @Test
    void wrongCountsAndStatus_sayWhatWasSeen() {
        slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        engine.awaitIdle();

        assertThatThrownBy(() -> engine.assertThatActions().of("google-sheets", "append-row")
                .hasSize(2))
                .hasMessageStartingWith("expected the count of action requests of "
                        + "google-sheets/append-row to be 2, but saw 1:\n  1. "
                        + "google-sheets/append-row by recipe 'sales-log'");
        assertThatThrownBy(() -> engine.assertThatActions().isEmpty())
                .hasMessageStartingWith("expected no action requests, but saw 1:");
        assertThatThrownBy(() -> engine.assertThatAction("google-sheets", "append-row")
                .failed())
                .hasMessageContaining("to be FAILED, but it is SUCCEEDED: succeeded on "
                        + "attempt 1");
        assertThatThrownBy(() -> engine.assertThatAction("google-sheets", "append-row")
                .hasAttempts(3))
                .hasMessageContaining("to have taken 3 attempts, but it took 1");
        assertThatThrownBy(() -> engine.assertThatEvents().ofType("slack.reaction_added")
                .isNotEmpty())
                .hasMessageStartingWith("expected events of type slack.reaction_added, but saw "
                        + "none");
        assertThatThrownBy(() -> engine.assertThatDeadLetters().hasSize(1))
                .hasMessageStartingWith("expected the count of dead letters to be 1, but saw "
                        + "none");
        assertThatThrownBy(() -> engine.assertThatRequests(sheets).hasAppends(2))
                .hasMessageStartingWith("expected the fake Sheets server to have received 2 "
                        + "append requests, but it received 1\n\nRequests the fake Sheets "
                        + "server received (2):");
    }

    @Test
    void recipeFailure_isShown() {
        engine.recipe(Recipe.named("broken")
                .when(Slack.message().inChannel("C0SALES"))
                .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:A").column("/event/missing"))
                .build());
        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        assertThatThrownBy(() -> engine.assertThatActions().isNotEmpty())
                .hasMessageContaining("Recipe failures (1):\n  1. recipe 'broken': ")
                .hasMessageContaining("/event/missing");
    }

    @Test
    void awaitIdle_timingOut_listsWhatIsStillGoingOn() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        engine.idleTimeout(Duration.ofMillis(200)).listener(new EngineListener() {
            @Override
            public void actionStarted(ActionAttempt attempt) {
                started.countDown();
            }
        });
        sheets.hangNextAppend(Duration.ofSeconds(1));
        slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(engine::awaitIdle)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("test engine: not idle after PT0.2S; still going on:\n"
                        + "  1. google-sheets/append-row by recipe 'sales-log' for event '")
                .hasMessageContaining(": running attempt 1; params {")
                .hasMessageContaining("events or action requests are still queued or being "
                        + "handled on the bus");
    }
}
