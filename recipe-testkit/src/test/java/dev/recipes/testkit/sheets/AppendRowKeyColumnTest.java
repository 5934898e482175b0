package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.AppendRowStep;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.sheets.ValueInputOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A key column keeps {@code google-sheets/append-row} from writing a row twice when an attempt
 * may have written it before failing: through a real engine retrying over HTTP against the
 * fake, whose {@code failAfterWriteNextAppend} stores the row and answers 503.
 */
final class AppendRowKeyColumnTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final String SUCCEEDED = "result.google-sheets.append-row.succeeded";
    /** Retries quickly on the real scheduler, so that tests need not move time. */
    private static final RetryPolicy QUICK = RetryPolicy.custom()
            .maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1))
            .maxBackoff(Duration.ofMillis(10))
            .build();

    private final FakeSheetsServer fake = FakeSheetsServer.start();
    private final List<String> retryErrors = new CopyOnWriteArrayList<>();
    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        fake.close();
    }

    @Test
    void withKeyColumn_retryAfterA503ThatCameAfterTheWrite_leavesOneRow() throws Exception {
        start(orderLog().keyColumn("D"));
        fake.failAfterWriteNextAppend(503);

        order("A-42");

        String key = succeeded.get(0).data().path("idempotencyKey").asText();
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("A-42", 19.5, "", key));
        assertThat(fake.appendRequests()).isEqualTo(1);
        assertThat(fake.readRequests()).isEqualTo(1);
        assertThat(retryErrors).singleElement().asString()
                .contains("Google answered 503 UNAVAILABLE");
        JsonNode result = succeeded.get(0).data().path("result");
        assertThat(result.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"updatedRange\":"
                + "\"Log!A1:D1\",\"alreadyWritten\":true}");
        assertThat(succeeded.get(0).data().path("attempts").asInt()).isEqualTo(2);
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void withoutKeyColumn_theSameRetryWritesTheRowTwice() throws Exception {
        start(orderLog());
        fake.failAfterWriteNextAppend(503);

        order("A-42");

        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("A-42", 19.5),
                List.of("A-42", 19.5));
        assertThat(fake.readRequests()).isZero();
        assertThat(succeeded).singleElement().satisfies(
                event -> assertThat(event.data().path("result").has("alreadyWritten")).isFalse());
    }

    @Test
    void keyLandsInTheNamedColumn_withoutAReadOnTheFirstAttempt() throws Exception {
        start(GoogleSheets.appendRow("1AbC", "'Order log'!B:C")
                .column("/id")
                .column("/total")
                .keyColumn("f"));

        order("A-42");
        order("A-43");

        List<String> keys = succeeded.stream()
                .map(event -> event.data().path("idempotencyKey").asText()).toList();
        assertThat(keys.get(0)).contains("order-A-42").isNotEqualTo(keys.get(1));
        assertThat(fake.rows("1AbC", "Order log")).containsExactly(
                List.of("", "A-42", 19.5, "", "", keys.get(0)),
                List.of("", "A-43", 19.5, "", "", keys.get(1)));
        assertThat(fake.readRequests()).isZero();
        assertThat(succeeded.get(0).data().path("result").path("alreadyWritten").asBoolean())
                .isFalse();
        assertThat(succeeded.get(0).data().path("result").path("updatedRange").asText())
                .isEqualTo("'Order log'!B1:F1");
    }

    @Test
    void retryAfterAFailureBeforeTheWrite_readsThenAppends() throws Exception {
        start(orderLog().keyColumn("C"));
        fake.failNextAppend(503);

        order("A-42");

        String key = succeeded.get(0).data().path("idempotencyKey").asText();
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("A-42", 19.5, key));
        assertThat(fake.appendRequests()).isEqualTo(2);
        assertThat(fake.readRequests()).isEqualTo(1);
        assertThat(succeeded.get(0).data().path("result").path("alreadyWritten").asBoolean())
                .isFalse();
    }

    @Test
    void userEnteredKey_isFoundAsText() throws Exception {
        start(orderLog().valueInputOption(ValueInputOption.USER_ENTERED).keyColumn("C"));
        fake.failAfterWriteNextAppend(504);

        order("A-42");

        String key = succeeded.get(0).data().path("idempotencyKey").asText();
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("A-42", 19.5, key));
        assertThat(succeeded.get(0).data().path("result").path("alreadyWritten").asBoolean())
                .isTrue();
    }

    @Test
    void retryableLookupFailure_isRetriedAndStillWritesOnce() throws Exception {
        start(orderLog().keyColumn("C"));
        fake.failAfterWriteNextAppend(503);
        fake.failNextGet(503);

        order("A-42");

        assertThat(fake.rows("1AbC", "Log")).hasSize(1);
        assertThat(fake.appendRequests()).isEqualTo(1);
        assertThat(fake.readRequests()).isEqualTo(2);
        assertThat(retryErrors).hasSize(2);
        assertThat(retryErrors.get(1)).contains("looking up the idempotency key in 'Log!C:C': "
                + "Google answered 503 UNAVAILABLE");
        assertThat(succeeded).singleElement().satisfies(event -> assertThat(
                event.data().path("attempts").asInt()).isEqualTo(3));
    }

    @Test
    void permanentLookupFailure_isDeadLetteredWithoutAppendingAgain() throws Exception {
        start(orderLog().keyColumn("C"));
        fake.failAfterWriteNextAppend(503);
        fake.failNextGet(403);

        order("A-42");

        assertThat(fake.rows("1AbC", "Log")).hasSize(1);
        assertThat(fake.appendRequests()).isEqualTo(1);
        assertThat(succeeded).isEmpty();
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
            assertThat(letter.lastError()).contains("looking up the idempotency key in "
                    + "'Log!C:C': Google answered 403 PERMISSION_DENIED");
        });
    }

    @Test
    void keyColumnUnderAMappedColumn_isRefusedWhenTheEngineIsBuilt() {
        AppendRowStep step = orderLog().keyColumn("B");

        assertThatThrownBy(() -> start(step))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("recipe 'order-log': append-row step for 'Log!A:D': key column 'B' "
                        + "would overwrite a mapped column: the 2 mapped columns fill 'A' to "
                        + "'B'; put the key in 'C' or further right");
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void badKeyColumns_areRefusedByTheStep() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!C:F").column("/id");

        assertThatThrownBy(() -> step.keyColumn("C1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column 'C1' must be one to three column letters");
        assertThatThrownBy(() -> step.keyColumn("A"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column 'A' is left of range 'Log!C:F'");
        assertThatThrownBy(() -> step.keyColumn("G").keyColumn("H"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key column is already set to 'G'");
    }

    private static AppendRowStep orderLog() {
        return GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id").column("/total");
    }

    private void start(AppendRowStep step) {
        fake.createSpreadsheet("1AbC", "Log", "Order log");
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new GoogleSheetsService())
                .retryPolicy(QUICK)
                .listener(new EngineListener() {
                    @Override
                    public void actionRetried(ActionAttempt attempt, Duration delay,
                            String error) {
                        retryErrors.add(error);
                    }
                })
                .config("google-sheets.api-url", fake.apiUrl())
                .config("google-sheets.token-url", fake.tokenUrl())
                .recipe(Recipe.named("order-log").when(Trigger.of("test.order")).then(step)
                        .build())
                .build();
        engine.connections().put(fake.newServiceAccount().connection());
        engine.bus().subscribe(SUCCEEDED, "test", succeeded::add);
        engine.start();
    }

    /** Publishes an order and waits until the engine is idle, retries included. */
    private void order(String id) throws Exception {
        engine.publish(Event.builder("test.order")
                .id("order-" + id)
                .time(Instant.now())
                .data(JSON.readTree("{\"id\":\"" + id + "\",\"total\":19.5}"))
                .build());
        if (!engine.awaitIdle(IDLE)) {
            throw new AssertionError("engine did not become idle within " + IDLE);
        }
    }
}
