package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.Event;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.net.URI;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs the action requests of one service's topic, once per idempotency key, and publishes
 * each outcome as a result event.
 */
final class ActionRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);

    private final EngineRuntime runtime;

    ActionRunner(EngineRuntime runtime) {
        this.runtime = runtime;
    }

    void run(Event event, Map<String, Action> actions) {
        ActionRequest request = ActionRequest.fromEvent(event);
        MDC.put("recipeId", request.recipe());
        try {
            Action action = actions.get(request.action());
            if (action == null) {
                LOG.error("Action request '{}' names unknown action '{}/{}'",
                        request.idempotencyKey(), request.service(), request.action());
                return;
            }
            if (!runtime.idempotency().claim(request.idempotencyKey())) {
                LOG.debug("Action request '{}' was run before; skipped",
                        request.idempotencyKey());
                return;
            }
            execute(action, request);
        } finally {
            MDC.remove("recipeId");
        }
    }

    private void execute(Action action, ActionRequest request) {
        Connection connection = runtime.connections()
                .find(request.service(), request.connection()).orElse(null);
        ActionInvocation invocation = new ActionInvocation(request.service(), request.action(),
                request.params(), request.connection(), connection, request.idempotencyKey(),
                request.recipe(), request.triggerEventId());
        try {
            JsonNode result = action.execute(invocation);
            LOG.debug("Action '{}/{}' succeeded for '{}'", request.service(), request.action(),
                    request.idempotencyKey());
            publish(request, "succeeded", "result", result);
        } catch (ActionException e) {
            // Limitation: a failed action is reported and not retried; retries with backoff
            // and a dead-letter store are not built yet.
            runtime.idempotency().release(request.idempotencyKey());
            LOG.error("Action '{}/{}' failed for '{}' ({}): {}", request.service(),
                    request.action(), request.idempotencyKey(),
                    e.retryable() ? "retryable" : "permanent", e.getMessage());
            publish(request, "failed", "error", errorJson(e.getMessage(), e.retryable()));
        } catch (RuntimeException | Error e) {
            runtime.idempotency().release(request.idempotencyKey());
            LOG.warn("Action '{}/{}' threw an unclassified {} for '{}'; treated as permanent. "
                    + "Throw ActionException to classify it", request.service(),
                    request.action(), e.getClass().getName(), request.idempotencyKey(), e);
            publish(request, "failed", "error", errorJson("action '" + request.service() + "/"
                    + request.action() + "' threw " + e.getClass().getName(), false));
        }
    }

    private static ObjectNode errorJson(String message, boolean retryable) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("message", message);
        error.put("retryable", retryable);
        return error;
    }

    private void publish(ActionRequest request, String outcome, String field, JsonNode value) {
        String type = "result." + request.service() + "." + request.action() + "." + outcome;
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("recipe", request.recipe());
        data.put("triggerEventId", request.triggerEventId());
        data.put("idempotencyKey", request.idempotencyKey());
        data.put("connection", request.connection());
        data.set("params", request.params());
        data.set(field, value == null ? Json.MAPPER.nullNode() : value);
        Event result = new Event(request.idempotencyKey() + ":" + outcome,
                URI.create("/" + request.service()), type, request.idempotencyKey(),
                runtime.clock().instant(), null, data);
        runtime.publishResult(type, result);
    }
}
