package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.MappingException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs the recipes an event of a trigger topic concerns, found in the engine's index: for each,
 * selectors, filter, then renders every step before requesting any, so that a recipe whose
 * mapping fails requests no action at all. One recipe's failure does not stop the others.
 */
final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final long PUBLISH_PAUSE_MILLIS = 100;

    // Set while a thread runs the recipes of a topic: the engine's events such a thread
    // publishes (recipe failures, dead letters) must not wait long for room, for the room may
    // only come from this thread or one it waits on.
    private static final ThreadLocal<String> DISPATCHING = new ThreadLocal<>();

    private final EngineRuntime runtime;
    private final RecipeIndex index;

    Dispatcher(EngineRuntime runtime, RecipeIndex index) {
        this.runtime = runtime;
        this.index = index;
    }

    /**
     * Runs the recipes of a topic for an event.
     *
     * @param topic the topic the event came on
     * @param event the event
     * @throws InterruptedException if interrupted while waiting for room on a durable bus
     */
    void dispatch(String topic, Event event) throws InterruptedException {
        DISPATCHING.set(topic);
        try {
            for (Recipe recipe : index.candidates(topic, event)) {
                MDC.put("recipeId", recipe.id());
                try {
                    run(recipe, event);
                } finally {
                    MDC.remove("recipeId");
                }
            }
        } finally {
            DISPATCHING.remove();
        }
    }

    /**
     * Returns the topic whose recipes this thread is running.
     *
     * @return the topic, or null on any other thread
     */
    static String dispatchingTopic() {
        return DISPATCHING.get();
    }

    private void run(Recipe recipe, Event event) throws InterruptedException {
        List<ActionRequest> requests;
        try {
            if (!recipe.trigger().matches(event) || !recipe.filter().test(event)) {
                return;
            }
            int depth = chainDepth(event) + 1;
            if (depth > runtime.maxChainDepth()) {
                fail(recipe, event, "the recipe chain is " + depth + " recipes deep, over the "
                        + "limit of " + runtime.maxChainDepth() + "; do recipes trigger each "
                        + "other in a loop?", null, null);
                return;
            }
            requests = render(recipe, event, depth);
        } catch (MappingException e) {
            fail(recipe, event, e.getMessage(), e.field(), null);
            return;
        } catch (RuntimeException | Error e) {
            fail(recipe, event, "selector, filter or mapping threw " + e, null, e);
            return;
        }
        runtime.listeners().recipeMatched(recipe.id(), event);
        for (ActionRequest request : requests) {
            if (runtime.isAbandoning() && runtime.runner() != null) {
                runtime.runner().deadLetter(request, 0, DeadLetter.Reason.ENGINE_CLOSED,
                        "the engine closed before the action was requested");
            } else {
                request(recipe, request);
            }
        }
    }

    /**
     * How many recipes led to an event: 0 for a service's event; the engine's own events
     * (results, recipe failures, dead letters) carry theirs, so that a loop through any of them
     * meets the limit.
     */
    static int chainDepth(Event event) {
        boolean engines = event.type().startsWith("result.")
                || event.type().equals(RecipeEngine.RECIPE_FAILED_TOPIC)
                || event.type().equals(ActionRunner.DEAD_LETTER_TOPIC);
        return engines ? Math.max(0, event.data().path("chainDepth").asInt(0)) : 0;
    }

    private List<ActionRequest> render(Recipe recipe, Event event, int depth) {
        List<ActionRequest> requests = new ArrayList<>(recipe.steps().size());
        java.time.Instant now = runtime.clock().instant();
        for (int i = 0; i < recipe.steps().size(); i++) {
            ActionStep step = recipe.steps().get(i);
            ObjectNode params = step.render(event);
            String key = idempotencyKey(event, recipe, i);
            requests.add(new ActionRequest(step.service(), step.action(), connection(step, event),
                    key, recipe.id(), event.id(), params, depth, 1, "", now));
        }
        return requests;
    }

    // A connection picked from the event is checked like a named one, so that a bad value
    // fails the recipe with a mapping error rather than reaching the store.
    private static String connection(ActionStep step, Event event) {
        String id = step.connection(event);
        if (!step.connectionFromEvent()) {
            return id;
        }
        try {
            return Names.require(id, "connection");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MappingException("connection", "step " + step + ": the connection picked"
                    + " from event '" + event.id() + "' is not a connection id: "
                    + e.getMessage());
        }
    }

    /**
     * The key under which one step of a recipe runs once for an event: an event is identified
     * by its source and id together, as CloudEvents says.
     */
    static String idempotencyKey(Event event, Recipe recipe, int step) {
        return escape(event.source().toString()) + "#" + escape(event.id()) + ":" + recipe.id()
                + ":" + step;
    }

    // The separators are escaped in the parts, so that two events never share a key.
    private static String escape(String part) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '%' || c == '#' || c == ':') {
                return part.replace("%", "%25").replace("#", "%23").replace(":", "%3A");
            }
        }
        return part;
    }

    // Hands the request to the recipe's own action queue. The in-memory lanes take it at once
    // (the engine refused the event earlier if the queue was full). A durable bus that refuses
    // it is tried again after a pause, holding this dispatch back; once the engine has closed,
    // the trigger event is left unacknowledged for another instance. Otherwise, once closed,
    // the request is dead-lettered rather than lost.
    private void request(Recipe recipe, ActionRequest request) throws InterruptedException {
        while (true) {
            try {
                runtime.requestAction(request);
                return;
            } catch (EventRejectedException e) {
                if (runtime.isClosed() && runtime.eventBus().isDurable()) {
                    // The trigger event stays unacknowledged, and another instance runs it.
                    throw new DeliveryDeferredException("recipe '" + recipe.id() + "': the "
                            + "engine closed before the action was requested: "
                            + e.getMessage());
                }
                if (runtime.isClosed() && runtime.runner() != null) {
                    runtime.runner().deadLetter(request, 0, DeadLetter.Reason.ENGINE_CLOSED,
                            "the engine closed before the action was requested: "
                                    + e.getMessage());
                    return;
                }
                Thread.sleep(PUBLISH_PAUSE_MILLIS);
            }
        }
    }

    private void fail(Recipe recipe, Event event, String reason, String field,
            Throwable cause) {
        String message = "recipe '" + recipe.id() + "': " + reason;
        if (cause == null) {
            LOG.warn("{}", message);
        } else {
            LOG.warn("{}", message, cause);
        }
        int depth = chainDepth(event) + 1;
        if (depth > runtime.maxChainDepth() + 1) {
            // A recipe that follows failures failed on a failure past the limit: publishing
            // it again would only feed the loop.
            return;
        }
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("recipe", recipe.id());
        data.put("eventId", event.id());
        data.put("eventType", event.type());
        data.put("error", message);
        data.put("chainDepth", depth);
        if (field != null) {
            data.put("field", field);
        }
        Event failed = new Event(event.id() + ":" + recipe.id() + ":failed",
                URI.create("/recipes/" + recipe.id()), RecipeEngine.RECIPE_FAILED_TOPIC,
                event.id(), runtime.clock().instant(), null, data);
        runtime.publishResult(RecipeEngine.RECIPE_FAILED_TOPIC, failed);
    }
}
