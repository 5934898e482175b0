package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import java.util.Objects;

/**
 * Assertions on one event a {@link TestEngine} saw. Each check returns this; a failure shows
 * the event, then everything the engine saw, credentials masked.
 */
public final class EventAssert extends Check {

    private final Event actual;

    EventAssert(Seen seen, Event actual) {
        super(seen);
        this.actual = actual;
    }

    /**
     * Checks the event's type.
     *
     * @param expected such as {@code slack.message}
     * @return this
     * @throws AssertionError if it has another type
     */
    public EventAssert hasType(String expected) {
        Objects.requireNonNull(expected, "expected");
        if (!actual.type().equals(expected)) {
            throw failure("expected event '" + actual.id() + "' to be of type " + expected
                    + ", but it is of type " + actual.type(), expected, actual.type());
        }
        return this;
    }

    /**
     * Checks the event's subject.
     *
     * @param expected the subject, such as a Slack channel id
     * @return this
     * @throws AssertionError if it has another subject or none
     */
    public EventAssert hasSubject(String expected) {
        Objects.requireNonNull(expected, "expected");
        if (!expected.equals(actual.subject())) {
            throw failure("expected event '" + actual.id() + "' to have subject '" + expected
                    + "', but it has " + (actual.subject() == null ? "none"
                    : "'" + actual.subject() + "'"), expected, String.valueOf(actual.subject()));
        }
        return this;
    }

    /**
     * Checks a value in the event's data; numbers compare by value.
     *
     * @param jsonPointer where in the data, such as {@code /event/text}
     * @param expected text, a number, a boolean, null, a list, a map or a {@link JsonNode}
     * @return this
     * @throws AssertionError if the value is missing or differs
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public EventAssert hasData(String jsonPointer, Object expected) {
        JsonNode found = actual.data().at(Values.pointer(jsonPointer));
        JsonNode wanted = Values.json(expected);
        if (!Values.same(wanted, found)) {
            throw failure("expected event '" + actual.id() + "' to have " + jsonPointer + " = "
                    + Compact.json(wanted) + ", but " + (found.isMissingNode()
                    ? "it has none there" : "it is " + Compact.json(found)) + "; the event: "
                    + Seen.event(actual), Compact.masked(wanted),
                    found.isMissingNode() ? "(missing)" : Compact.masked(found));
        }
        return this;
    }

    /**
     * Returns the event, for other checks.
     *
     * @return the event
     */
    public Event actual() {
        return actual;
    }
}
