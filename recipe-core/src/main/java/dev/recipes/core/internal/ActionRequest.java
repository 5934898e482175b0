package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A rendered action step as it travels on the bus: plain JSON, so that any bus can carry it.
 *
 * @param service the service id
 * @param action the action name
 * @param connection the connection id
 * @param idempotencyKey trigger event source and id, recipe id and step
 * @param recipe the recipe id
 * @param triggerEventId the triggering event's id
 * @param params the rendered parameters
 * @param chainDepth how many recipes led here, 1 for a recipe on a service's event
 * @param attempt which attempt the request is for, from 1
 * @param replayOf empty, or the id of the dead letter this request replays
 * @param firstAttemptAt when the first attempt (since the replay, if any) was requested
 */
record ActionRequest(String service, String action, String connection, String idempotencyKey,
        String recipe, String triggerEventId, ObjectNode params, int chainDepth, int attempt,
        String replayOf, Instant firstAttemptAt) {

    static final String TYPE = "recipes.action.request";

    /**
     * The topic of a recipe's requests to a service: one queue per recipe and service, so that
     * a slow action fills its own recipe's queue and no other.
     */
    static String topic(String service, String recipe) {
        return "action." + service + "." + recipe;
    }

    String topic() {
        return topic(service, recipe);
    }

    /** The key claimed before this attempt runs, so that a redelivered attempt runs once. */
    String claimKey() {
        return idempotencyKey + (replayOf.isEmpty() ? "" : "#replay-" + replayOf)
                + (attempt > 1 ? "#attempt" + attempt : "");
    }

    ActionRequest nextAttempt() {
        return new ActionRequest(service, action, connection, idempotencyKey, recipe,
                triggerEventId, params, chainDepth, attempt + 1, replayOf, firstAttemptAt);
    }

    static ActionRequest replaying(DeadLetter letter, Instant now) {
        return new ActionRequest(letter.service(), letter.action(), letter.connection(),
                letter.idempotencyKey(), letter.recipe(), letter.triggerEventId(),
                letter.params(), letter.chainDepth(), 1, letter.id(), now);
    }

    Event toEvent(Instant now) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("service", service);
        data.put("action", action);
        data.put("connection", connection);
        data.put("idempotencyKey", idempotencyKey);
        data.put("recipe", recipe);
        data.put("triggerEventId", triggerEventId);
        data.put("chainDepth", chainDepth);
        data.put("attempt", attempt);
        data.put("replayOf", replayOf);
        data.put("firstAttemptAt", firstAttemptAt.toString());
        data.set("params", params);
        return new Event(claimKey(), URI.create("/recipes/" + recipe), TYPE,
                service + "/" + action, now, null, data);
    }

    static ActionRequest fromEvent(Event event) {
        JsonNode data = event.data();
        JsonNode params = data.path("params");
        if (!TYPE.equals(event.type()) || !params.isObject()) {
            throw new IllegalArgumentException("event '" + event.id() + "' of type '"
                    + event.type() + "' is not an action request");
        }
        try {
            return new ActionRequest(text(data, "service"), text(data, "action"),
                    text(data, "connection"), text(data, "idempotencyKey"), text(data, "recipe"),
                    text(data, "triggerEventId"), (ObjectNode) params.deepCopy(),
                    data.path("chainDepth").asInt(1), Math.max(1, data.path("attempt").asInt(1)),
                    data.path("replayOf").asText(""),
                    Instant.parse(data.path("firstAttemptAt").asText(
                            event.time() == null ? Instant.EPOCH.toString()
                                    : event.time().toString())));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("action request '" + event.id()
                    + "': firstAttemptAt is not a timestamp", e);
        }
    }

    private static String text(JsonNode data, String field) {
        JsonNode value = data.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("action request: field '" + field
                    + "' is missing");
        }
        return value.asText();
    }
}
