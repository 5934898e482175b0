package dev.recipes.testkit;

import dev.recipes.core.DeadLetter;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Assertions on the dead letters in a {@link TestEngine}'s store, narrowed step by step:
 *
 * <pre>{@code
 * engine.assertThatDeadLetters().isEmpty();
 * engine.assertThatDeadLetters().of("google-sheets", "append-row").single()
 *         .hasReason(DeadLetter.Reason.RETRIES_EXHAUSTED);
 * }</pre>
 *
 * <p>{@code of}, {@code byRecipe} and {@code withReason} return new assertions on fewer dead
 * letters; the others check and return this. A failure shows everything the engine saw.
 */
public final class DeadLettersAssert extends Check {

    private final List<DeadLetter> letters;
    private final String selection;

    DeadLettersAssert(Seen seen, List<DeadLetter> letters, String selection) {
        super(seen);
        this.letters = List.copyOf(letters);
        this.selection = selection;
    }

    /**
     * Narrows to the dead letters of one action.
     *
     * @param service the service id
     * @param action the action name
     * @return assertions on those dead letters
     */
    public DeadLettersAssert of(String service, String action) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(action, "action");
        return narrow(" of " + service + "/" + action, letter ->
                letter.service().equals(service) && letter.action().equals(action));
    }

    /**
     * Narrows to the dead letters of one recipe.
     *
     * @param recipeId the recipe's id
     * @return assertions on those dead letters
     */
    public DeadLettersAssert byRecipe(String recipeId) {
        Objects.requireNonNull(recipeId, "recipeId");
        return narrow(" by recipe '" + recipeId + "'",
                letter -> recipeId.equals(letter.recipe()));
    }

    /**
     * Narrows to the dead letters given up for a reason.
     *
     * @param reason the reason
     * @return assertions on those dead letters
     */
    public DeadLettersAssert withReason(DeadLetter.Reason reason) {
        Objects.requireNonNull(reason, "reason");
        return narrow(" with reason " + reason, letter -> letter.reason() == reason);
    }

    /**
     * Checks how many dead letters there are.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if there are more or fewer
     */
    public DeadLettersAssert hasSize(int expected) {
        if (letters.size() != requireCount(expected)) {
            throw failure("expected the count of " + selection + " to be " + expected
                    + ", but saw " + items(letters, Seen::deadLetter),
                    String.valueOf(expected), String.valueOf(letters.size()));
        }
        return this;
    }

    /**
     * Checks there are none.
     *
     * @return this
     * @throws AssertionError if there is one
     */
    public DeadLettersAssert isEmpty() {
        if (!letters.isEmpty()) {
            throw failure("expected no " + selection + ", but saw "
                    + items(letters, Seen::deadLetter));
        }
        return this;
    }

    /**
     * Moves on to the one dead letter there is.
     *
     * @return assertions on it
     * @throws AssertionError if there are none or several
     */
    public DeadLetterAssert single() {
        if (letters.size() != 1) {
            throw failure("expected exactly one of the " + selection + ", but saw "
                    + items(letters, Seen::deadLetter));
        }
        return new DeadLetterAssert(seen(), letters.get(0));
    }

    /**
     * Returns the dead letters, for other checks (such as replaying one).
     *
     * @return the dead letters selected, oldest first
     */
    public List<DeadLetter> list() {
        return letters;
    }

    private DeadLettersAssert narrow(String more, Predicate<DeadLetter> test) {
        return new DeadLettersAssert(seen(), letters.stream().filter(test).toList(),
                selection + more);
    }
}
