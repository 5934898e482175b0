package dev.recipes.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Assertions on one action request a {@link TestEngine} saw:
 *
 * <pre>{@code
 * engine.assertThatAction("google-sheets", "append-row")
 *         .succeeded()
 *         .hasAttempts(2)
 *         .hasParam("/values/0/1", "invoice #42 paid");
 * }</pre>
 *
 * <p>Each check returns this. A failure shows the request, then everything the engine saw.
 */
public final class ActionAssert extends Check {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RecordedAction actual;

    ActionAssert(Seen seen, RecordedAction actual) {
        super(seen);
        this.actual = actual;
    }

    /**
     * Checks the request succeeded.
     *
     * @return this
     * @throws AssertionError if it is running, waiting to be retried, or failed
     */
    public ActionAssert succeeded() {
        return hasStatus(RecordedAction.Status.SUCCEEDED);
    }

    /**
     * Checks the engine gave the request up (it is dead-lettered).
     *
     * @return this
     * @throws AssertionError otherwise
     */
    public ActionAssert failed() {
        return hasStatus(RecordedAction.Status.FAILED);
    }

    /**
     * Checks the request waits for a timer to be tried again.
     *
     * @return this
     * @throws AssertionError otherwise
     */
    public ActionAssert isWaitingToRetry() {
        return hasStatus(RecordedAction.Status.WAITING_TO_RETRY);
    }

    /**
     * Checks the request waits to be tried again, due a given time after this assertion was
     * made, by the engine's clock: exact with manual time and a {@code Retry-After}.
     *
     * @param wait how long from then
     * @return this
     * @throws AssertionError if it does not wait, or is due at another time
     */
    public ActionAssert isWaitingToRetryIn(Duration wait) {
        Objects.requireNonNull(wait, "wait");
        isWaitingToRetry();
        Instant now = seen().at();
        Instant expected = now.plus(wait);
        Instant due = actual.retryAt().orElseThrow();
        if (!due.equals(expected)) {
            throw failure("expected " + name() + " to be retried in " + wait + ", at "
                    + expected + ", but it is due in " + Duration.between(now, due) + ", at "
                    + due, wait.toString(), Duration.between(now, due).toString());
        }
        return this;
    }

    /**
     * Checks how the request stands.
     *
     * @param expected the status
     * @return this
     * @throws AssertionError if it stands otherwise
     */
    public ActionAssert hasStatus(RecordedAction.Status expected) {
        Objects.requireNonNull(expected, "expected");
        if (actual.status() != expected) {
            throw failure("expected " + name() + " to be " + expected + ", but it is "
                    + actual.status() + ": " + actual.outcome(), expected.toString(),
                    actual.status().toString());
        }
        return this;
    }

    /**
     * Checks how many attempts started.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if more or fewer started
     */
    public ActionAssert hasAttempts(int expected) {
        if (actual.attempts() != requireCount(expected)) {
            throw failure("expected " + name() + " to have taken " + expected + " attempt"
                    + (expected == 1 ? "" : "s") + ", but it took " + actual.attempts() + ": "
                    + actual.outcome(), String.valueOf(expected),
                    String.valueOf(actual.attempts()));
        }
        return this;
    }

    /**
     * Checks the recipe that asked for the action.
     *
     * @param recipeId the recipe's id
     * @return this
     * @throws AssertionError if another recipe asked
     */
    public ActionAssert wasRequestedBy(String recipeId) {
        Objects.requireNonNull(recipeId, "recipeId");
        if (!actual.recipe().equals(recipeId)) {
            throw failure("expected " + name() + " to be requested by recipe '" + recipeId
                    + "', but recipe '" + actual.recipe() + "' requested it", recipeId,
                    actual.recipe());
        }
        return this;
    }

    /**
     * Checks one rendered parameter; numbers compare by value.
     *
     * @param jsonPointer where in the parameters, such as {@code /values/0/1}
     * @param expected text, a number, a boolean, null, a list, a map or a {@link JsonNode}
     * @return this
     * @throws AssertionError if the parameter is missing or differs
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public ActionAssert hasParam(String jsonPointer, Object expected) {
        Values.pointer(jsonPointer);
        JsonNode wanted = Values.json(expected);
        JsonNode found = actual.param(jsonPointer).orElse(null);
        if (!Values.same(wanted, found)) {
            String shown = found == null ? "it has none there" : "it is " + Compact.json(found);
            throw failure("expected " + name() + " to have parameter " + jsonPointer + " = "
                    + Compact.json(wanted) + ", but " + shown + "; its parameters are "
                    + Compact.masked(actual.params()), Compact.masked(wanted),
                    found == null ? "(missing)" : Compact.masked(found));
        }
        return this;
    }

    /**
     * Checks all the rendered parameters; numbers compare by value.
     *
     * @param expectedJson the parameters as a JSON object, such as
     *     {@code {"spreadsheetId":"1AbC","range":"Log!A:B","values":[["U1","hi"]]}}
     * @return this
     * @throws AssertionError if they differ
     * @throws IllegalArgumentException if the text is not JSON
     */
    public ActionAssert hasParams(String expectedJson) {
        Objects.requireNonNull(expectedJson, "expectedJson");
        JsonNode wanted;
        try {
            wanted = JSON.readTree(expectedJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("expected parameters are not JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (!Values.same(wanted, actual.params())) {
            throw failure("expected " + name() + " to have parameters "
                    + Compact.masked(wanted) + ", but they are "
                    + Compact.masked(actual.params()), Compact.masked(wanted),
                    Compact.masked(actual.params()));
        }
        return this;
    }

    /**
     * Checks the last failed attempt's message holds a text.
     *
     * @param text the text
     * @return this
     * @throws AssertionError if no attempt failed or the message does not hold it
     */
    public ActionAssert hasErrorContaining(String text) {
        Objects.requireNonNull(text, "text");
        String error = actual.lastError().orElse(null);
        if (error == null || !error.contains(text)) {
            throw failure("expected " + name() + " to have failed with an error containing \""
                    + text + "\", but " + (error == null ? "no attempt failed"
                    : "its last error is: " + error));
        }
        return this;
    }

    /**
     * Returns the request, for other checks.
     *
     * @return the request
     */
    public RecordedAction actual() {
        return actual;
    }

    private String name() {
        return actual.service() + "/" + actual.action() + " (recipe '" + actual.recipe() + "'"
                + (actual.triggerEventId().isEmpty() ? ""
                : ", event '" + actual.triggerEventId() + "'") + ")";
    }
}
