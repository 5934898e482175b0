package dev.recipes.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.DeadLetter;
import dev.recipes.core.RetryPolicy;
import dev.recipes.testkit.RecordedAction;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackSimulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries of {@code google-sheets/append-row} under manual time, through the Slack simulator,
 * the engine and the fake Sheets server over HTTP: nothing waits on a wall clock.
 */
@RecipeTest
final class RetryUnderManualTimeTest {

    private static final String QUOTA = "{\"error\":{\"code\":429,\"message\":\"Quota exceeded"
            + "\",\"status\":\"RESOURCE_EXHAUSTED\"}}";

    @BeforeEach
    void setUp(TestEngine engine, FakeSheetsServer sheets) {
        engine.recipe(SlackToSheetsRecipeTest.salesLog());
        sheets.createSpreadsheet("1AbCsheet", "Log");
    }

    @Test
    void retryAfter_keepsTheRetryWaitingUntilTheTestMovesTime(TestEngine engine,
            SlackSimulator slack, FakeSheetsServer sheets) {
        sheets.failNextAppend(429, QUOTA, Map.of("Retry-After", "30"));

        slack.message("C0SALES", "U0USER1", "invoice #7").send();
        engine.awaitQuiet();

        engine.assertThatAction("google-sheets", "append-row")
                .isWaitingToRetryIn(Duration.ofSeconds(30))
                .hasAttempts(1)
                .hasErrorContaining("429");
        assertThat(engine.nextRetryIn()).contains(Duration.ofSeconds(30));
        assertThatThrownBy(engine::awaitIdle)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 action request waits for a retry timer")
                .hasMessageContaining("attempt 2 is due in PT30S, at 2026-01-05T09:00:30Z, "
                        + "after: action 'google-sheets/append-row'")
                .hasMessageContaining("Call advance(PT30S)");

        engine.advance(Duration.ofSeconds(29));
        engine.assertThatRequests(sheets).hasAppends(1);
        engine.advance(Duration.ofSeconds(1));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-row").succeeded().hasAttempts(2);
        engine.assertThatSheet(sheets, "1AbCsheet", "Log")
                .containsExactlyRows(List.of("U0USER1", "invoice #7"));
        assertThat(engine.clock().instant())
                .isEqualTo(TestEngine.DEFAULT_START.plusSeconds(30));
    }

    @Test
    void oneAdvance_runsEveryRetryThatFallsDueWithinIt(TestEngine engine, SlackSimulator slack,
            FakeSheetsServer sheets) {
        sheets.failNextAppend(429, QUOTA, Map.of("Retry-After", "30"));
        sheets.failNextAppend(429, QUOTA, Map.of("Retry-After", "60"));

        slack.message("C0SALES", "U0USER1", "invoice #8").send();
        engine.advance(Duration.ofMinutes(2));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-row").succeeded().hasAttempts(3);
        engine.assertThatRequests(sheets).hasAppends(3);
        engine.assertThatSheet(sheets, "1AbCsheet", "Log").hasRowCount(1);
        assertThat(engine.clock().instant())
                .isEqualTo(TestEngine.DEFAULT_START.plus(Duration.ofMinutes(2)));
    }

    @Test
    void retriesRunningOut_leaveADeadLetter_thatAReplayWrites(TestEngine engine,
            SlackSimulator slack, FakeSheetsServer sheets) {
        engine.retryPolicy(RetryPolicy.custom().maxAttempts(2).build());
        sheets.failNextAppend(503);
        sheets.failNextAppend(503);

        slack.message("C0SALES", "U0USER1", "invoice #9").send();
        engine.advance(RetryPolicy.custom().maxAttempts(2).build().ceiling(1));
        engine.awaitIdle();

        engine.assertThatAction("google-sheets", "append-row").failed().hasAttempts(2)
                .hasErrorContaining("503");
        DeadLetter letter = engine.assertThatDeadLetters().single()
                .hasReason(DeadLetter.Reason.RETRIES_EXHAUSTED)
                .hasAttempts(2)
                .hasParam("/values/1", "invoice #9")
                .actual();
        engine.assertThatSheet(sheets, "1AbCsheet", "Log").isEmpty();

        assertThat(engine.engine().replay(letter.id())).isTrue();
        engine.awaitIdle();

        engine.assertThatActions().hasSize(2);
        engine.assertThatActions().withStatus(RecordedAction.Status.SUCCEEDED)
                .single().hasAttempts(1);
        engine.assertThatDeadLetters().isEmpty();
        engine.assertThatSheet(sheets, "1AbCsheet", "Log")
                .containsExactlyRows(List.of("U0USER1", "invoice #9"));
    }
}
