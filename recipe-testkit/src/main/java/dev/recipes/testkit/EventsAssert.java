package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Assertions on the events services published to a {@link TestEngine} (its own result and
 * failure events are not among them), narrowed step by step:
 *
 * <pre>{@code
 * engine.assertThatEvents().ofType("slack.message").hasSize(1);
 * engine.assertThatEvents().withData("/event/channel", "C0SALES").single()
 *         .hasData("/event/user", "U0USER1");
 * }</pre>
 *
 * <p>{@code ofType} and {@code withData} return new assertions on fewer events; the others
 * check and return this. A failure shows everything the engine saw, credentials masked.
 */
public final class EventsAssert extends Check {

    private final List<Event> events;
    private final String selection;

    EventsAssert(Seen seen, List<Event> events, String selection) {
        super(seen);
        this.events = List.copyOf(events);
        this.selection = selection;
    }

    /**
     * Narrows to the events of a type.
     *
     * @param type such as {@code slack.message}
     * @return assertions on those events
     */
    public EventsAssert ofType(String type) {
        Objects.requireNonNull(type, "type");
        return narrow(" of type " + type, event -> event.type().equals(type));
    }

    /**
     * Narrows to the events with a value in their data; numbers compare by value.
     *
     * @param jsonPointer where in the data, such as {@code /event/channel}
     * @param expected text, a number, a boolean, null, a list, a map or a {@link JsonNode}
     * @return assertions on those events
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public EventsAssert withData(String jsonPointer, Object expected) {
        JsonNode wanted = Values.json(expected);
        return narrow(" with " + jsonPointer + " = " + Compact.json(wanted), event ->
                Values.same(wanted, event.data().at(Values.pointer(jsonPointer))));
    }

    /**
     * Checks how many events there are.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if there are more or fewer
     */
    public EventsAssert hasSize(int expected) {
        if (events.size() != requireCount(expected)) {
            throw failure("expected the count of " + selection + " to be " + expected
                    + ", but saw " + items(events, Seen::event),
                    String.valueOf(expected), String.valueOf(events.size()));
        }
        return this;
    }

    /**
     * Checks there are none.
     *
     * @return this
     * @throws AssertionError if there is one
     */
    public EventsAssert isEmpty() {
        if (!events.isEmpty()) {
            throw failure("expected no " + selection + ", but saw " + items(events, Seen::event));
        }
        return this;
    }

    /**
     * Checks there is at least one.
     *
     * @return this
     * @throws AssertionError if there is none
     */
    public EventsAssert isNotEmpty() {
        if (events.isEmpty()) {
            throw failure("expected " + selection + ", but saw none");
        }
        return this;
    }

    /**
     * Moves on to the one event there is.
     *
     * @return assertions on it
     * @throws AssertionError if there are none or several
     */
    public EventAssert single() {
        if (events.size() != 1) {
            throw failure("expected exactly one of the " + selection + ", but saw "
                    + items(events, Seen::event));
        }
        return new EventAssert(seen(), events.get(0));
    }

    /**
     * Returns the events, for other checks.
     *
     * @return the events selected, oldest first
     */
    public List<Event> list() {
        return events;
    }

    private EventsAssert narrow(String more, Predicate<Event> test) {
        return new EventsAssert(seen(), events.stream().filter(test).toList(), selection + more);
    }
}
