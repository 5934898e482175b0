package dev.recipes.testkit;

import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of what a test engine saw, and how assertion messages show it.
 *
 * @param events the events services published, oldest first
 * @param actions the action requests, in the order their first attempt started
 * @param recipeFailures the events published on {@code recipe.failed}
 * @param deadLetters the dead letters made, oldest first
 * @param refusedWebhooks the webhooks sent through the test engine that were answered with
 *     other than 2xx, each on one line with the start of the answer's body
 * @param dropped how many items were not kept, past {@link Activity#CAPACITY} of a kind
 * @param at the engine's clock reading when the snapshot was taken
 */
record Seen(List<Event> events, List<RecordedAction> actions, List<Event> recipeFailures,
        List<DeadLetter> deadLetters, List<String> refusedWebhooks, int dropped, Instant at) {

    /** Shows everything, a section per kind, for the end of an assertion message. */
    String describe() {
        return "What the test engine saw:\n"
                + (refusedWebhooks.isEmpty() ? "" : Compact.section("Webhooks not accepted",
                        refusedWebhooks, line -> line) + "\n")
                + Compact.section("Events received", events, Seen::event) + "\n"
                + Compact.section("Actions requested", actions, RecordedAction::toString) + "\n"
                + Compact.section("Recipe failures", recipeFailures, Seen::recipeFailure) + "\n"
                + Compact.section("Dead letters", deadLetters, Seen::deadLetter)
                + (dropped == 0 ? "" : "\n(" + dropped + " more items were not kept)");
    }

    /** Shows an event on one line. */
    static String event(Event event) {
        return event.type() + " '" + event.id() + "' from " + event.source()
                + (event.subject() == null ? "" : ", subject '" + event.subject() + "'")
                + ", data " + Compact.json(event.data());
    }

    static String recipeFailure(Event failure) {
        return failure.data().path("error").asText("(no message)") + " (event '"
                + failure.data().path("eventId").asText("?") + "')";
    }

    static String deadLetter(DeadLetter letter) {
        return letter.service() + "/" + letter.action() + " by recipe '" + letter.recipe()
                + "': " + letter.reason() + " after " + letter.attempts() + " attempt"
                + (letter.attempts() == 1 ? "" : "s") + ": "
                + Compact.cut(String.valueOf(letter.lastError()), Compact.JSON_WIDTH)
                + "; params " + Compact.json(letter.params());
    }
}
