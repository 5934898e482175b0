package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ActionOutcome;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs the action requests of one service's topic: each attempt once per key, retryable
 * failures again after a backoff, and what cannot succeed into the dead-letter store. Every
 * final outcome is published as a result event.
 */
final class ActionRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);

    /** The topic on which dead letters are announced. */
    static final String DEAD_LETTER_TOPIC = RecipeEngine.DEAD_LETTER_TOPIC;

    private static final Duration QUEUE_FULL_PAUSE = Duration.ofMillis(100);

    private final EngineRuntime runtime;

    ActionRunner(EngineRuntime runtime) {
        this.runtime = runtime;
    }

    void run(Event event, Map<String, Action> actions) {
        run(ActionRequest.fromEvent(event), actions);
    }

    void run(ActionRequest request, Map<String, Action> actions) {
        MDC.put("recipeId", request.recipe());
        try {
            Action action = actions.get(request.action());
            if (action == null) {
                unknownAction(request);
                return;
            }
            IdempotencyStore store = runtime.idempotency();
            IdempotencyStore.Claim claim = store.begin(request.claimKey(), runtime.actionLease());
            switch (claim) {
                case DONE -> {
                    LOG.debug("Action request '{}' was run before; skipped", request.claimKey());
                    return;
                }
                case HELD -> throw new DeliveryDeferredException("action request '"
                        + request.claimKey() + "' is being run elsewhere");
                case TAKEN_OVER -> LOG.warn("Action request '{}' was started elsewhere and not "
                        + "finished within its lease; running it here", request.claimKey());
                case NEW -> {
                }
            }
            try {
                if (runtime.isAbandoning()) {
                    deadLetter(request, request.attempt() - 1, DeadLetter.Reason.ENGINE_CLOSED,
                            "the engine closed before attempt " + request.attempt());
                } else {
                    execute(action, request, claim == IdempotencyStore.Claim.TAKEN_OVER);
                }
            } finally {
                store.complete(request.claimKey());
            }
        } finally {
            MDC.remove("recipeId");
        }
    }

    /**
     * Runs requests of one recipe for one action together, through
     * {@link Action#executeBatch}: each claims its key first (those run before are skipped),
     * and each outcome is handled on its own, as a request run alone would be.
     *
     * @param requests one or more requests, with the same recipe, action and connection
     * @param actions the service's actions
     */
    void runBatch(List<ActionRequest> requests, Map<String, Action> actions) {
        if (requests.size() == 1) {
            run(requests.get(0), actions);
            return;
        }
        ActionRequest head = requests.get(0);
        MDC.put("recipeId", head.recipe());
        IdempotencyStore store = runtime.idempotency();
        List<ActionRequest> claimed = new ArrayList<>(requests.size());
        try {
            Action action = actions.get(head.action());
            if (action == null) {
                requests.forEach(this::unknownAction);
                return;
            }
            List<Prepared> batch = new ArrayList<>(requests.size());
            for (ActionRequest request : requests) {
                IdempotencyStore.Claim claim =
                        store.begin(request.claimKey(), runtime.actionLease());
                if (claim == IdempotencyStore.Claim.DONE) {
                    LOG.debug("Action request '{}' was run before; skipped", request.claimKey());
                    continue;
                }
                if (claim == IdempotencyStore.Claim.HELD) {
                    LOG.debug("Action request '{}' is being run elsewhere; dropped here",
                            request.claimKey());
                    continue;
                }
                claimed.add(request);
                if (runtime.isAbandoning()) {
                    deadLetter(request, request.attempt() - 1, DeadLetter.Reason.ENGINE_CLOSED,
                            "the engine closed before attempt " + request.attempt());
                } else {
                    batch.add(prepare(request, claim == IdempotencyStore.Claim.TAKEN_OVER));
                }
            }
            if (!batch.isEmpty()) {
                executeBatch(action, batch);
            }
        } finally {
            claimed.forEach(request -> store.complete(request.claimKey()));
            MDC.remove("recipeId");
        }
    }

    private void executeBatch(Action action, List<Prepared> batch) {
        List<ActionInvocation> invocations = new ArrayList<>(batch.size());
        batch.forEach(prepared -> invocations.add(prepared.invocation()));
        List<ActionOutcome> outcomes;
        try {
            outcomes = action.executeBatch(List.copyOf(invocations));
        } catch (RuntimeException | Error e) {
            batch.forEach(prepared -> unclassified(prepared.request(), prepared.attempt(), e));
            return;
        }
        if (outcomes == null || outcomes.size() != batch.size()) {
            String wrong = "executeBatch returned " + (outcomes == null ? "null"
                    : outcomes.size() + " outcomes") + " for " + batch.size() + " invocations";
            LOG.error("Action '{}/{}': {}; each of them fails permanently",
                    batch.get(0).request().service(), action.name(), wrong);
            batch.forEach(prepared -> giveUp(prepared.request(), prepared.attempt(),
                    DeadLetter.Reason.PERMANENT_FAILURE, "action '"
                            + prepared.request().service() + "/" + action.name() + "': "
                            + wrong));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Prepared prepared = batch.get(i);
            ActionOutcome outcome = outcomes.get(i);
            if (outcome == null) {
                unclassified(prepared.request(), prepared.attempt(),
                        new IllegalStateException("executeBatch returned a null outcome"));
            } else if (outcome.isSuccess()) {
                succeeded(prepared.request(), prepared.attempt(), outcome.result());
            } else {
                failed(prepared.request(), prepared.attempt(), outcome.failure());
            }
        }
    }

    // A request for an action this engine does not have (another instance's, on a shared bus)
    // is kept as a dead letter, to be replayed where the action exists, rather than dropped.
    private void unknownAction(ActionRequest request) {
        deadLetter(request, request.attempt() - 1, DeadLetter.Reason.PERMANENT_FAILURE,
                "this engine has no action '" + request.service() + "/" + request.action()
                        + "'");
    }

    /** A request ready to run: what listeners are told, and what the action gets. */
    private record Prepared(ActionRequest request, ActionAttempt attempt,
            ActionInvocation invocation) {
    }

    private Prepared prepare(ActionRequest request, boolean takenOver) {
        // Only listeners read the attempt: without any, it skips copying the params.
        ActionAttempt attempt = new ActionAttempt(request.recipe(), request.service(),
                request.action(), request.idempotencyKey(), request.attempt(),
                request.triggerEventId(),
                runtime.listeners().isEmpty() ? null : request.params());
        runtime.listeners().actionStarted(attempt);
        Connection connection = runtime.connections()
                .find(request.service(), request.connection()).orElse(null);
        ActionInvocation invocation = new ActionInvocation(request.service(), request.action(),
                request.params(), request.connection(), connection, request.idempotencyKey(),
                request.recipe(), request.triggerEventId(),
                takenOver || request.attempt() > 1 || !request.replayOf().isEmpty());
        return new Prepared(request, attempt, invocation);
    }

    private void execute(Action action, ActionRequest request, boolean takenOver) {
        Prepared prepared = prepare(request, takenOver);
        try {
            succeeded(request, prepared.attempt(), action.execute(prepared.invocation()));
        } catch (ActionException e) {
            failed(request, prepared.attempt(), e);
        } catch (RuntimeException | Error e) {
            unclassified(request, prepared.attempt(), e);
        }
    }

    private void succeeded(ActionRequest request, ActionAttempt attempt, JsonNode result) {
        LOG.debug("Action '{}/{}' succeeded for '{}' on attempt {}", request.service(),
                request.action(), request.idempotencyKey(), request.attempt());
        runtime.listeners().actionSucceeded(attempt);
        publishResult(request, "succeeded", "result", result);
    }

    private void failed(ActionRequest request, ActionAttempt attempt, ActionException e) {
        if (e.retryable()) {
            retryOrGiveUp(request, attempt, e);
        } else {
            giveUp(request, attempt, DeadLetter.Reason.PERMANENT_FAILURE, e.getMessage());
        }
    }

    private void unclassified(ActionRequest request, ActionAttempt attempt, Throwable e) {
        LOG.warn("Action '{}/{}' threw an unclassified {} for '{}'; treated as permanent. "
                + "Throw ActionException to classify it", request.service(),
                request.action(), e.getClass().getName(), request.idempotencyKey(), e);
        giveUp(request, attempt, DeadLetter.Reason.PERMANENT_FAILURE, "action '"
                + request.service() + "/" + request.action() + "' threw "
                + e.getClass().getName());
    }

    private void retryOrGiveUp(ActionRequest request, ActionAttempt attempt, ActionException e) {
        RetryPolicy policy = runtime.retryPolicy();
        Duration delay = policy.backoff(request.attempt(), e.retryAfter().orElse(null),
                ThreadLocalRandom.current()::nextDouble);
        Duration elapsed = Duration.between(request.firstAttemptAt(), runtime.clock().instant());
        if (!policy.allowsAnother(request.attempt(), elapsed, delay)) {
            String why = request.attempt() < policy.maxAttempts()
                    ? " (the next attempt, in " + delay + ", would start past the retry "
                            + "policy's limit of " + policy.maxElapsed() + ")"
                    : "";
            giveUp(request, attempt, DeadLetter.Reason.RETRIES_EXHAUSTED, e.getMessage() + why);
            return;
        }
        LOG.debug("Action '{}/{}' failed for '{}' on attempt {}; retrying in {}: {}",
                request.service(), request.action(), request.idempotencyKey(),
                request.attempt(), delay, e.getMessage());
        runtime.listeners().actionRetried(attempt, delay, e.getMessage());
        schedule(request.nextAttempt(), delay);
    }

    // A bus that holds delayed events keeps the retry durably, so that it outlives this
    // process; otherwise it waits on the engine's scheduler.
    private void schedule(ActionRequest next, Duration delay) {
        EventBus bus = runtime.eventBus();
        if (bus.holdsDelayedEvents() && !runtime.actionsInLanes()) {
            try {
                bus.publishLater(next.topic(), next.toEvent(runtime.clock().instant()), delay);
                return;
            } catch (EventRejectedException e) {
                LOG.warn("The bus did not take attempt {} of '{}' to hold: {}; it waits here",
                        next.attempt(), next.idempotencyKey(), e.getMessage());
            }
        }
        try {
            runtime.retries().schedule(runtime.scheduler(), next, delay, this::publishAttempt);
        } catch (RejectedExecutionException e) {
            deadLetter(next, next.attempt() - 1, DeadLetter.Reason.ENGINE_CLOSED,
                    "the engine's scheduler stopped before attempt " + next.attempt());
        }
    }

    // A full queue while the engine runs is backpressure: the attempt waits a little and tries
    // again, without using up an attempt. Only a closed engine gives it up.
    private void publishAttempt(ActionRequest next) {
        try {
            runtime.requestAction(next);
        } catch (EventRejectedException e) {
            if (runtime.isClosed()) {
                deadLetter(next, next.attempt() - 1, DeadLetter.Reason.ENGINE_CLOSED,
                        "attempt " + next.attempt() + " was not taken by the bus: "
                                + e.getMessage());
            } else {
                schedule(next, QUEUE_FULL_PAUSE);
            }
        }
    }

    private void giveUp(ActionRequest request, ActionAttempt attempt, DeadLetter.Reason reason,
            String error) {
        runtime.listeners().actionFailed(attempt, error);
        deadLetter(request, request.attempt(), reason, error);
    }

    /** Stores a request the engine gives up on, and announces it. */
    void deadLetter(ActionRequest request, int attempts, DeadLetter.Reason reason,
            String error) {
        DeadLetter letter = new DeadLetter(UUID.randomUUID().toString(), request.service(),
                request.action(), request.connection(), request.recipe(),
                request.triggerEventId(), request.idempotencyKey(), request.params(),
                request.chainDepth(), reason, attempts, error, request.firstAttemptAt(),
                runtime.clock().instant(), request.replayOf());
        runtime.deadLetterStore().add(letter);
        LOG.error("Action '{}/{}' for '{}' dead-lettered as {} after {} attempt(s) ({}): {}",
                request.service(), request.action(), request.idempotencyKey(), letter.id(),
                attempts, reason, error);
        runtime.listeners().deadLettered(letter);
        ObjectNode failure = Json.MAPPER.createObjectNode();
        failure.put("message", error);
        failure.put("reason", reason.name());
        failure.put("retryable", reason != DeadLetter.Reason.PERMANENT_FAILURE);
        failure.put("attempts", attempts);
        failure.put("deadLetterId", letter.id());
        publishResult(request, "failed", "error", failure);
        ObjectNode announcement = Json.MAPPER.createObjectNode();
        announcement.put("deadLetterId", letter.id());
        announcement.put("service", request.service());
        announcement.put("action", request.action());
        announcement.put("recipe", request.recipe());
        announcement.put("reason", reason.name());
        announcement.put("chainDepth", request.chainDepth());
        runtime.publishResult(DEAD_LETTER_TOPIC, new Event(letter.id(),
                URI.create("/recipes/deadletters"), DEAD_LETTER_TOPIC, request.idempotencyKey(),
                letter.deadAt(), null, announcement));
    }

    private void publishResult(ActionRequest request, String outcome, String field,
            JsonNode value) {
        String type = "result." + request.service() + "." + request.action() + "." + outcome;
        if (!runtime.hasAudience(type)) {
            // Nobody follows this result here: making the event (its id is a digest, its data a
            // copy of the parameters) would be work thrown away.
            return;
        }
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("recipe", request.recipe());
        data.put("triggerEventId", request.triggerEventId());
        data.put("idempotencyKey", request.idempotencyKey());
        data.put("connection", request.connection());
        data.put("attempts", request.attempt());
        data.put("chainDepth", request.chainDepth());
        data.set("params", request.params());
        data.set(field, value == null ? Json.MAPPER.nullNode() : value);
        Instant now = runtime.clock().instant();
        Event result = new Event(Ids.of(request.claimKey() + ":" + outcome),
                URI.create("/" + request.service()), type, request.idempotencyKey(), now, null,
                data);
        runtime.publishResult(type, result);
    }
}
