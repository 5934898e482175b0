package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Assertions on the action requests a {@link TestEngine} saw, narrowed step by step:
 *
 * <pre>{@code
 * engine.assertThatActions().of("google-sheets", "append-row").hasSize(2);
 * engine.assertThatActions().byRecipe("sales-log").withParam("/range", "Log!A:B").single()
 *         .succeeded();
 * engine.assertThatActions().isEmpty();
 * }</pre>
 *
 * <p>The methods that narrow ({@code of}, {@code byRecipe}, {@code forEvent},
 * {@code withParam}, {@code withStatus}) return new assertions on fewer requests; the others
 * check and return this. A failure names the selection and shows every event, action request,
 * recipe failure and dead letter the engine saw. Immutable: it looks at the requests as they
 * stood when it was made.
 */
public final class ActionsAssert extends Check {

    private final List<RecordedAction> actions;
    private final String selection;

    ActionsAssert(Seen seen, List<RecordedAction> actions, String selection) {
        super(seen);
        this.actions = List.copyOf(actions);
        this.selection = selection;
    }

    /**
     * Narrows to the requests of one action.
     *
     * @param service the service id, such as {@code google-sheets}
     * @param action the action name, such as {@code append-row}
     * @return assertions on those requests
     */
    public ActionsAssert of(String service, String action) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(action, "action");
        return narrow(" of " + service + "/" + action, request -> request.is(service, action));
    }

    /**
     * Narrows to the requests of one recipe.
     *
     * @param recipeId the recipe's id
     * @return assertions on those requests
     */
    public ActionsAssert byRecipe(String recipeId) {
        Objects.requireNonNull(recipeId, "recipeId");
        return narrow(" by recipe '" + recipeId + "'",
                request -> request.recipe().equals(recipeId));
    }

    /**
     * Narrows to the requests an event triggered.
     *
     * @param eventId the triggering event's id
     * @return assertions on those requests
     */
    public ActionsAssert forEvent(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return narrow(" for event '" + eventId + "'",
                request -> request.triggerEventId().equals(eventId));
    }

    /**
     * Narrows to the requests with a parameter of a value; numbers compare by value.
     *
     * @param jsonPointer where in the rendered parameters, such as {@code /values/0/1}
     * @param expected text, a number, a boolean, null, a list, a map or a {@link JsonNode}
     * @return assertions on those requests
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public ActionsAssert withParam(String jsonPointer, Object expected) {
        Values.pointer(jsonPointer);
        JsonNode wanted = Values.json(expected);
        return narrow(" with " + jsonPointer + " = " + Compact.json(wanted), request ->
                Values.same(wanted, request.param(jsonPointer).orElse(null)));
    }

    /**
     * Narrows to the requests that stand as given.
     *
     * @param status such as {@link RecordedAction.Status#FAILED}
     * @return assertions on those requests
     */
    public ActionsAssert withStatus(RecordedAction.Status status) {
        Objects.requireNonNull(status, "status");
        return narrow(" that are " + status, request -> request.status() == status);
    }

    /**
     * Checks how many requests there are.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if there are more or fewer
     */
    public ActionsAssert hasSize(int expected) {
        if (actions.size() != requireCount(expected)) {
            throw failure("expected the count of " + selection + " to be " + expected
                    + ", but saw " + items(actions, RecordedAction::toString),
                    String.valueOf(expected), String.valueOf(actions.size()));
        }
        return this;
    }

    /**
     * Checks there are none.
     *
     * @return this
     * @throws AssertionError if there is one
     */
    public ActionsAssert isEmpty() {
        if (!actions.isEmpty()) {
            throw failure("expected no " + selection + ", but saw "
                    + items(actions, RecordedAction::toString));
        }
        return this;
    }

    /**
     * Checks there is at least one.
     *
     * @return this
     * @throws AssertionError if there is none
     */
    public ActionsAssert isNotEmpty() {
        if (actions.isEmpty()) {
            throw failure("expected " + selection + ", but saw none");
        }
        return this;
    }

    /**
     * Checks every request succeeded; none is also fine.
     *
     * @return this
     * @throws AssertionError if one is running, waiting to be retried, or failed
     */
    public ActionsAssert allSucceeded() {
        List<RecordedAction> others = actions.stream()
                .filter(request -> request.status() != RecordedAction.Status.SUCCEEDED)
                .toList();
        if (!others.isEmpty()) {
            throw failure("expected every one of the " + selection + " to have succeeded, but "
                    + others.size() + " did not:" + Compact.list(others, RecordedAction::toString));
        }
        return this;
    }

    /**
     * Moves on to the one request there is.
     *
     * @return assertions on it
     * @throws AssertionError if there are none or several
     */
    public ActionAssert single() {
        if (actions.size() != 1) {
            throw failure("expected exactly one of the " + selection + ", but saw "
                    + items(actions, RecordedAction::toString));
        }
        return new ActionAssert(seen(), actions.get(0));
    }

    /**
     * Moves on to one request, by its place.
     *
     * @param index from 0, in the order their first attempts started
     * @return assertions on it
     * @throws AssertionError if there is no request at that place
     */
    public ActionAssert element(int index) {
        if (index < 0 || index >= actions.size()) {
            throw failure("expected " + selection + " number " + index + " (from 0), but saw "
                    + items(actions, RecordedAction::toString));
        }
        return new ActionAssert(seen(), actions.get(index));
    }

    /**
     * Returns the requests, for other checks.
     *
     * @return the requests selected
     */
    public List<RecordedAction> list() {
        return actions;
    }

    private ActionsAssert narrow(String more, Predicate<RecordedAction> test) {
        return new ActionsAssert(seen(), actions.stream().filter(test).toList(),
                selection + more);
    }
}
