package dev.recipes.core;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.internal.Names;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a recipe listens to: events of one type, narrowed by the trigger's own selectors.
 *
 * <p>Services offer typed triggers with selectors of their own (for example the Slack service's
 * {@code Slack.message().inChannel("C0SALES")}); {@link #of(String)} listens to every event of a
 * type. Implementations must be immutable and thread-safe: {@link #matches(Event)} is called
 * concurrently.
 *
 * <p>An engine with many recipes on one event type finds the ones an event concerns in an
 * index rather than asking each: a trigger that requires one field of its events to hold one of
 * a few values says so with {@link #indexKey()}, and {@link #matches(Event)} is then asked
 * only of the recipes whose key the event carries, and of the recipes whose triggers have
 * none.
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
     * Returns the field this trigger requires its events to carry, with the values it accepts,
     * so that the engine can index recipes by it. A trigger that returns a key promises that
     * {@link #matches(Event)} is {@code false} for every event whose field does not hold one of
     * the key's values: the engine does not ask it about such events.
     *
     * @return the key; empty (the default) if the trigger requires no such field, and is then
     *     asked about every event of its type
     */
    default Optional<IndexKey> indexKey() {
        return Optional.empty();
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

    /**
     * A field that a trigger requires its events to carry, and the values it accepts: a string
     * at a JSON Pointer into the event's data, or the event's {@code source} or
     * {@code subject}.
     *
     * <pre>{@code
     * Trigger.IndexKey.dataAt("/event/channel", "C0SALES")   // data.event.channel is "C0SALES"
     * Trigger.IndexKey.source(URI.create("/sheets/1AbC"))      // the event's source
     * }</pre>
     *
     * @param field a JSON Pointer into the data (it starts with {@code /}), or
     *     {@value #SOURCE} or {@value #SUBJECT}
     * @param values the values the field may hold, compared exactly; at least one
     */
    record IndexKey(String field, Set<String> values) {

        /** The {@link #field()} that names the event's {@code source} attribute. */
        public static final String SOURCE = "source";

        /** The {@link #field()} that names the event's {@code subject} attribute. */
        public static final String SUBJECT = "subject";

        /**
         * Checks the key and copies its values.
         *
         * @param field a JSON Pointer into the data, or {@value #SOURCE} or {@value #SUBJECT}
         * @param values the values the field may hold, at least one, none of them null;
         *     repeated values count once
         * @throws IllegalArgumentException if the field is neither a JSON Pointer to a member nor
         *     an attribute name, or there are no values
         * @throws NullPointerException if the field, the set or a value is null
         */
        public IndexKey {
            Objects.requireNonNull(field, "index key: field");
            Objects.requireNonNull(values, "index key: values");
            for (String value : values) {
                Objects.requireNonNull(value, () -> "index key: field '" + field + "' has a null "
                        + "value; a trigger keys on the values it accepts, never null");
            }
            values = Set.copyOf(values);
            if (!field.equals(SOURCE) && !field.equals(SUBJECT)) {
                if (!field.startsWith("/")) {
                    throw new IllegalArgumentException("index key: field '" + field
                            + "' is neither a JSON Pointer such as '/event/channel' nor '"
                            + SOURCE + "' or '" + SUBJECT + "'");
                }
                try {
                    JsonPointer.compile(field);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("index key: field '" + field + "' is not "
                            + "a JSON Pointer: " + e.getMessage(), e);
                }
            }
            if (values.isEmpty()) {
                throw new IllegalArgumentException("index key: field '" + field + "' has no "
                        + "values; a trigger that accepts any value has no key");
            }
        }

        /**
         * Returns a key on a string in the event's data.
         *
         * @param pointer a JSON Pointer such as {@code /event/channel}
         * @param values the strings it may hold; repeated ones count once
         * @return the key
         */
        public static IndexKey dataAt(String pointer, String... values) {
            return new IndexKey(pointer, new java.util.LinkedHashSet<>(java.util.Arrays.asList(
                    Objects.requireNonNull(values, "index key: values"))));
        }

        /**
         * Returns a key on the event's source.
         *
         * @param source the source the events come from
         * @return the key
         */
        public static IndexKey source(URI source) {
            return new IndexKey(SOURCE, Set.of(Objects.requireNonNull(source,
                    "index key: source").toString()));
        }

        /**
         * Returns a key on the event's subject.
         *
         * @param subject the subject the events have
         * @return the key
         */
        public static IndexKey subject(String subject) {
            return new IndexKey(SUBJECT, Set.of(Objects.requireNonNull(subject,
                    "index key: subject")));
        }

        /**
         * Reads this key's field from an event.
         *
         * @param event an event
         * @return the field's value; empty if the event has no such field or it is not a string
         */
        public Optional<String> valueIn(Event event) {
            if (!field.startsWith("/")) {
                return Optional.ofNullable(field.equals(SOURCE) ? event.source().toString()
                        : event.subject());
            }
            JsonNode node = event.data().at(JsonPointer.compile(field));
            return node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
        }
    }
}
