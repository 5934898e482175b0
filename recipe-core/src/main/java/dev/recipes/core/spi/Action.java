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
     * The most threads the engine gives one recipe's queue of requests to a service, whatever
     * {@link #concurrency()} asks for.
     */
    int MAX_CONCURRENCY = 64;

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
     * Returns how many requests for this action one recipe should be able to run at once. Each
     * recipe's requests to a service wait in one bounded queue; the engine serves it with as
     * many threads as the largest concurrency among the recipe's actions of that service asks
     * for, at least 2 and at most {@link #MAX_CONCURRENCY}. An action that holds requests back
     * to send them together (coalescing) asks for more, so that enough of them can wait at
     * once; each request still runs on its own thread, with its own outcome. The engine reads
     * it once, when it starts, after the action's service has started.
     *
     * @return 1 by default: the engine's usual 2 threads
     */
    default int concurrency() {
        return 1;
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
