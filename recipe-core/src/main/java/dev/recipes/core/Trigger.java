package dev.recipes.core;

import dev.recipes.core.internal.Names;
import java.util.Objects;

/**
 * What a recipe listens to: events of one type, narrowed by the trigger's own selectors.
 *
 * <p>Services offer typed triggers with selectors of their own (for example the Slack service's
 * {@code Slack.message().inChannel("C0SALES")}); {@link #of(String)} listens to every event of a
 * type. Implementations must be immutable and thread-safe: {@link #matches(Event)} is called
 * concurrently.
 */
public interface Trigger {

    /**
     * Returns the type of the events this trigger listens to, such as {@code slack.message}.
     *
     * @return an event type
     */
    String eventType();

    /**
     * Returns the bus topic the events of this trigger are published on.
     *
     * @return {@code trigger.} followed by the event type, unless a trigger says otherwise
     */
    default String topic() {
        return topicFor(eventType());
    }

    /**
     * Tells whether an event of this trigger's type passes the trigger's selectors.
     *
     * @param event an event of type {@link #eventType()}
     * @return {@code true} if a recipe with this trigger should run for the event
     */
    default boolean matches(Event event) {
        return true;
    }

    /**
     * Returns a trigger that fires for every event of a type.
     *
     * <p>The engine's own events, {@code result.<service>.<action>.succeeded} and
     * {@code .failed} (as {@link #onSuccess} and {@link #onFailure} make),
     * {@code recipe.failed} and {@code deadletter}, travel on topics of their own, which the
     * trigger listens on.
     *
     * @param eventType an event type such as {@code slack.reaction_added}
     * @return the trigger
     */
    static Trigger of(String eventType) {
        Objects.requireNonNull(eventType, "eventType");
        if (eventType.isBlank()) {
            throw new IllegalArgumentException("trigger: event type is blank");
        }
        String topic = isEngineEvent(eventType) ? eventType : topicFor(eventType);
        return new Trigger() {
            @Override
            public String eventType() {
                return eventType;
            }

            @Override
            public String topic() {
                return topic;
            }

            @Override
            public String toString() {
                return "Trigger[" + eventType + "]";
            }
        };
    }

    /**
     * Returns a trigger on the successes of an action, so that one recipe can follow another.
     * Its events carry the action's parameters under {@code /params} and its result under
     * {@code /result}.
     *
     * @param service the service id
     * @param action the action name
     * @return the trigger
     */
    static Trigger onSuccess(String service, String action) {
        return onResult(service, action, "succeeded");
    }

    /**
     * Returns a trigger on the final failures of an action (after its retries), so that a
     * recipe can react to them. Its events carry the parameters under {@code /params} and the
     * error under {@code /error}.
     *
     * @param service the service id
     * @param action the action name
     * @return the trigger
     */
    static Trigger onFailure(String service, String action) {
        return onResult(service, action, "failed");
    }

    private static Trigger onResult(String service, String action, String outcome) {
        String type = "result." + Names.require(service, "service") + "."
                + Names.require(action, "action") + "." + outcome;
        return new Trigger() {
            @Override
            public String eventType() {
                return type;
            }

            @Override
            public String topic() {
                return type;
            }

            @Override
            public String toString() {
                return "Trigger[" + type + "]";
            }
        };
    }

    // The types the engine publishes on topics named after them; a service's own type such as
    // result.exam.published is not one of them.
    private static boolean isEngineEvent(String eventType) {
        if (eventType.equals(RecipeEngine.RECIPE_FAILED_TOPIC)
                || eventType.equals(RecipeEngine.DEAD_LETTER_TOPIC)) {
            return true;
        }
        return eventType.startsWith("result.") && eventType.chars().filter(c -> c == '.')
                .count() >= 3 && (eventType.endsWith(".succeeded")
                        || eventType.endsWith(".failed"));
    }

    /**
     * Returns the topic on which services publish events of a type.
     *
     * @param eventType an event type
     * @return {@code trigger.<eventType>}
     */
    static String topicFor(String eventType) {
        return "trigger." + eventType;
    }
}
