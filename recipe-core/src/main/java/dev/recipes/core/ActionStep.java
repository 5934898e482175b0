package dev.recipes.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.internal.Names;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One action of a recipe: which service and action to call, as which connection, and how to
 * render the action's parameters from the triggering event.
 *
 * <p>Parameters are rendered by the recipe before the action request is published, so what
 * travels on the bus is plain JSON. Services offer typed steps (such as
 * {@code GoogleSheets.appendRow(...)}); {@link #of(String, String)} builds a step for any action.
 * Implementations must be immutable and thread-safe.
 */
public interface ActionStep {

    /** The connection a step acts as unless it names another. */
    String DEFAULT_CONNECTION = "default";

    /**
     * Returns the id of the service that runs the action, such as {@code google-sheets}.
     *
     * @return a service id
     */
    String service();

    /**
     * Returns the action's name within its service, such as {@code append-row}.
     *
     * @return an action name
     */
    String action();

    /**
     * Returns the id of the connection (the account) the action runs as.
     *
     * @return a connection id, {@value #DEFAULT_CONNECTION} unless the step says otherwise
     */
    default String connection() {
        return DEFAULT_CONNECTION;
    }

    /**
     * Returns the id of the connection the action runs as for one event. The default is
     * {@link #connection()}; a step that acts as the account the event came from (such as the
     * Slack workspace that sent it, in an engine serving many workspaces) overrides it, together
     * with {@link #connectionFromEvent()}.
     *
     * @param event the event that triggered the recipe
     * @return a connection id
     * @throws MappingException if the event names no connection this step can act as
     */
    default String connection(Event event) {
        return connection();
    }

    /**
     * Tells whether the step picks its connection from each event with
     * {@link #connection(Event)} rather than naming one, so that the engine does not look for
     * {@link #connection()} in the store at start.
     *
     * @return {@code false} unless the step overrides {@link #connection(Event)}
     */
    default boolean connectionFromEvent() {
        return false;
    }

    /**
     * Checks that the step is complete, so that a recipe that could never run fails when the
     * engine is built rather than at its first event.
     *
     * @throws IllegalStateException if the step is missing something, saying what
     */
    default void validate() {
    }

    /**
     * Renders the action's parameters for an event.
     *
     * @param event the event that triggered the recipe
     * @return a new JSON object
     * @throws MappingException if a parameter cannot be rendered
     */
    ObjectNode render(Event event);

    /**
     * Starts a step that calls any action of any service with mapped parameters.
     *
     * @param service the service id
     * @param action the action name
     * @return a builder
     */
    static Builder of(String service, String action) {
        return new Builder(service, action);
    }

    /** Builds a generic {@link ActionStep} from named parameter mappings. */
    final class Builder {

        private final String service;
        private final String action;
        private final Map<String, Mapping> params = new LinkedHashMap<>();
        private String connection = DEFAULT_CONNECTION;
        private Mapping connectionMapping;

        private Builder(String service, String action) {
            this.service = Names.require(service, "service");
            this.action = Names.require(action, "action");
        }

        /**
         * Maps one parameter.
         *
         * @param name the parameter name
         * @param mapping how to render it
         * @return this builder
         * @throws IllegalArgumentException if the parameter was mapped before
         */
        public Builder param(String name, Mapping mapping) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mapping, "mapping");
            Mapping previous = params.putIfAbsent(name, mapping);
            if (previous != null) {
                throw new IllegalArgumentException("action step '" + service + "/" + action
                        + "': parameter '" + name + "' is already mapped to " + previous);
            }
            return this;
        }

        /**
         * Maps one parameter to a field of the event's data.
         *
         * @param name the parameter name
         * @param jsonPointer a JSON Pointer such as {@code /event/text}
         * @return this builder
         */
        public Builder pointer(String name, String jsonPointer) {
            return param(name, Mapping.pointer(jsonPointer));
        }

        /**
         * Sets one parameter to a constant.
         *
         * @param name the parameter name
         * @param value a string, number, boolean or JSON node
         * @return this builder
         */
        public Builder constant(String name, Object value) {
            return param(name, Mapping.constant(value));
        }

        /**
         * Names the connection the action runs as.
         *
         * @param connectionId a connection id
         * @return this builder
         */
        public Builder as(String connectionId) {
            this.connection = Names.require(connectionId, "connection");
            this.connectionMapping = null;
            return this;
        }

        /**
         * Picks the connection the action runs as from each event, such as the connection of
         * the Slack workspace an event came from in an engine that serves many workspaces.
         *
         * @param connectionId renders a connection id (a JSON string) from the event
         * @return this builder
         */
        public Builder as(Mapping connectionId) {
            this.connectionMapping = Objects.requireNonNull(connectionId, "connectionId");
            return this;
        }

        /**
         * Builds the step.
         *
         * @return an immutable step
         */
        public ActionStep build() {
            Map<String, Mapping> frozen = Map.copyOf(params);
            String[] order = params.keySet().toArray(String[]::new);
            String serviceId = service;
            String actionName = action;
            String connectionId = connection;
            Mapping picked = connectionMapping;
            return new ActionStep() {
                @Override
                public String service() {
                    return serviceId;
                }

                @Override
                public String action() {
                    return actionName;
                }

                @Override
                public String connection() {
                    return connectionId;
                }

                @Override
                public String connection(Event event) {
                    if (picked == null) {
                        return connectionId;
                    }
                    com.fasterxml.jackson.databind.JsonNode id = picked.apply(event);
                    if (!id.isTextual()) {
                        throw new MappingException("connection", "action step '" + serviceId
                                + "/" + actionName + "': the connection mapping " + picked
                                + " gave " + id.getNodeType() + ", not a connection id");
                    }
                    return id.asText();
                }

                @Override
                public boolean connectionFromEvent() {
                    return picked != null;
                }

                @Override
                public ObjectNode render(Event event) {
                    ObjectNode rendered = JsonNodeFactory.instance.objectNode();
                    for (String name : order) {
                        rendered.set(name, frozen.get(name).apply(event));
                    }
                    return rendered;
                }

                @Override
                public String toString() {
                    return "ActionStep[" + serviceId + "/" + actionName + " as "
                            + (picked == null ? connectionId : picked.toString()) + "]";
                }
            };
        }
    }
}
