package dev.recipes.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
     * The most requests the engine hands {@link #executeBatch} at once, whatever
     * {@link #maxBatch()} asks for.
     */
    int MAX_BATCH = 10_000;

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
     * Returns how many requests of one recipe the engine may hand this action at once, through
     * {@link #executeBatch(List)}, such as rows that one call appends together. The engine's
     * shared action pool takes them from the recipe's queue: the requests that came while the
     * previous batch ran, up to this number, with the same action and connection, in the
     * order they came; it then runs one batch of the recipe's requests to the service at a
     * time. On a bus that keeps each recipe's requests on a topic of its own (a durable bus),
     * every batch holds one request.
     *
     * @return 1 by default: one request at a time, through {@link #execute}; at most
     *     {@link #MAX_BATCH} is used
     */
    default int maxBatch() {
        return 1;
    }

    /**
     * Returns how long the first request of a batch waits for others before the batch runs,
     * unless the batch fills first; the requests that come meanwhile go in it. Read with
     * {@link #maxBatch()}, on the in-memory bus only.
     *
     * @return zero by default: a batch takes what waited, at once
     */
    default Duration batchDelay() {
        return Duration.ZERO;
    }

    /**
     * Runs the action for several requests of one recipe at once, each with its own outcome.
     * The engine claims each request's idempotency key before, and retries or dead-letters
     * each failure on its own schedule after. By default it runs {@link #execute} for each in
     * turn, an exception other than {@link ActionException} counting as a permanent failure of
     * its invocation.
     *
     * @param invocations one or more invocations, at most {@link #maxBatch()}, with the same
     *     connection
     * @return one outcome per invocation, in the same order
     */
    default List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
        List<ActionOutcome> outcomes = new ArrayList<>(invocations.size());
        for (ActionInvocation invocation : invocations) {
            try {
                outcomes.add(ActionOutcome.succeeded(execute(invocation)));
            } catch (ActionException e) {
                outcomes.add(ActionOutcome.failed(e));
            } catch (RuntimeException e) {
                outcomes.add(ActionOutcome.failed(ActionException.permanent("action '" + name()
                        + "' threw " + e.getClass().getName(), e)));
            }
        }
        return outcomes;
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
