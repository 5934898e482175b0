package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import java.net.URI;
import java.time.Instant;

/**
 * A rendered action step as it travels on the bus: plain JSON, so that any bus can carry it.
 *
 * @param service the service id
 * @param action the action name
 * @param connection the connection id
 * @param idempotencyKey trigger event id, recipe id and step
 * @param recipe the recipe id
 * @param triggerEventId the triggering event's id
 * @param params the rendered parameters
 */
record ActionRequest(String service, String action, String connection, String idempotencyKey,
        String recipe, String triggerEventId, ObjectNode params) {

    static final String TYPE = "recipes.action.request";

    static String topic(String service) {
        return "action." + service;
    }

    Event toEvent(Instant now) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("service", service);
        data.put("action", action);
        data.put("connection", connection);
        data.put("idempotencyKey", idempotencyKey);
        data.put("recipe", recipe);
        data.put("triggerEventId", triggerEventId);
        data.set("params", params);
        return new Event(idempotencyKey, URI.create("/recipes/" + recipe), TYPE,
                service + "/" + action, now, null, data);
    }

    static ActionRequest fromEvent(Event event) {
        JsonNode data = event.data();
        JsonNode params = data.path("params");
        if (!TYPE.equals(event.type()) || !params.isObject()) {
            throw new IllegalArgumentException("event '" + event.id() + "' of type '"
                    + event.type() + "' is not an action request");
        }
        return new ActionRequest(text(data, "service"), text(data, "action"),
                text(data, "connection"), text(data, "idempotencyKey"), text(data, "recipe"),
                text(data, "triggerEventId"), (ObjectNode) params.deepCopy());
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
