package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.DeadLetter;
import java.util.Objects;

/**
 * Assertions on one dead letter. Each check returns this; a failure shows the dead letter,
 * then everything the engine saw.
 */
public final class DeadLetterAssert extends Check {

    private final DeadLetter actual;

    DeadLetterAssert(Seen seen, DeadLetter actual) {
        super(seen);
        this.actual = actual;
    }

    /**
     * Checks why the request was given up.
     *
     * @param expected the reason
     * @return this
     * @throws AssertionError if it was given up for another reason
     */
    public DeadLetterAssert hasReason(DeadLetter.Reason expected) {
        Objects.requireNonNull(expected, "expected");
        if (actual.reason() != expected) {
            throw failure("expected the dead letter " + Seen.deadLetter(actual) + " to have "
                    + "reason " + expected, expected.toString(), actual.reason().toString());
        }
        return this;
    }

    /**
     * Checks how many attempts were made.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if more or fewer were made
     */
    public DeadLetterAssert hasAttempts(int expected) {
        if (actual.attempts() != requireCount(expected)) {
            throw failure("expected the dead letter " + Seen.deadLetter(actual) + " to have "
                    + expected + " attempt" + (expected == 1 ? "" : "s"),
                    String.valueOf(expected), String.valueOf(actual.attempts()));
        }
        return this;
    }

    /**
     * Checks the last error holds a text.
     *
     * @param text the text
     * @return this
     * @throws AssertionError if it does not
     */
    public DeadLetterAssert hasErrorContaining(String text) {
        Objects.requireNonNull(text, "text");
        if (actual.lastError() == null || !actual.lastError().contains(text)) {
            throw failure("expected the dead letter " + Seen.deadLetter(actual)
                    + " to have an error containing \"" + text + "\"");
        }
        return this;
    }

    /**
     * Checks one of its parameters; numbers compare by value.
     *
     * @param jsonPointer where in the parameters
     * @param expected text, a number, a boolean, null, a list, a map or a {@link JsonNode}
     * @return this
     * @throws AssertionError if the parameter is missing or differs
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public DeadLetterAssert hasParam(String jsonPointer, Object expected) {
        JsonNode found = actual.params().at(Values.pointer(jsonPointer));
        JsonNode wanted = Values.json(expected);
        if (!Values.same(wanted, found)) {
            throw failure("expected the dead letter " + Seen.deadLetter(actual) + " to have "
                    + "parameter " + jsonPointer + " = " + Compact.json(wanted),
                    Compact.masked(wanted),
                    found.isMissingNode() ? "(missing)" : Compact.masked(found));
        }
        return this;
    }

    /**
     * Returns the dead letter, for other checks (such as replaying it).
     *
     * @return the dead letter
     */
    public DeadLetter actual() {
        return actual;
    }
}
