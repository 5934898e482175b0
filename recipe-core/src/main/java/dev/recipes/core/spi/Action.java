package dev.recipes.core.spi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A named operation of a service, taking JSON parameters.
 *
 * <p>Implementations must be thread-safe: the engine may run one action for several requests at
 * once.
 */
public interface Action {

    /**
     * Returns the action's name within its service.
     *
     * @return lowercase letters, digits and '-', such as {@code append-row}
     */
    String name();

    /**
     * Tells whether the action runs as a connection from the connection store; the engine warns
     * at start about recipes whose connection is missing.
     *
     * @return {@code false} unless the action overrides it
     */
    default boolean needsConnection() {
        return false;
    }

    /**
     * Runs the action once.
     *
     * @param invocation the parameters, the connection and the idempotency key
     * @return the result as JSON, published with the action's success event
     * @throws ActionException a classified failure: retryable or permanent
     */
    JsonNode execute(ActionInvocation invocation);
}
