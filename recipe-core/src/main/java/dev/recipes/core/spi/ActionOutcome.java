package dev.recipes.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * What became of one invocation of a batch ({@link Action#executeBatch}): its result, or its
 * own classified failure, which the engine retries or dead-letters for that invocation alone.
 *
 * @param result the result, when the invocation succeeded; else {@code null}
 * @param failure the failure, when it failed; else {@code null}
 */
public record ActionOutcome(JsonNode result, ActionException failure) {

    /**
     * Checks that exactly one of the two is given.
     *
     * @param result the result, or {@code null}
     * @param failure the failure, or {@code null}
     * @throws IllegalArgumentException if both or neither are given
     */
    public ActionOutcome {
        if ((result == null) == (failure == null)) {
            throw new IllegalArgumentException("action outcome: give a result or a failure, "
                    + "not " + (result == null ? "neither" : "both"));
        }
    }

    /**
     * Returns the outcome of an invocation that succeeded.
     *
     * @param result its result
     * @return the outcome
     */
    public static ActionOutcome succeeded(JsonNode result) {
        return new ActionOutcome(Objects.requireNonNull(result, "result"), null);
    }

    /**
     * Returns the outcome of an invocation that failed.
     *
     * @param failure its failure, retryable or permanent
     * @return the outcome
     */
    public static ActionOutcome failed(ActionException failure) {
        return new ActionOutcome(null, Objects.requireNonNull(failure, "failure"));
    }

    /**
     * Tells whether the invocation succeeded.
     *
     * @return {@code true} if there is a result
     */
    public boolean isSuccess() {
        return failure == null;
    }
}
