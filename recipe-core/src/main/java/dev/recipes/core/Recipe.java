package dev.recipes.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * When a trigger fires and the filter passes, render and request one or more actions.
 *
 * <pre>{@code
 * Recipe salesLog = Recipe.named("sales-log")
 *         .when(Slack.message().inChannel("C0SALES"))
 *         .filter(event -> !event.data().at("/event/bot_id").isTextual())
 *         .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:D")
 *                 .column(Event::time)
 *                 .column("/event/text"))
 *         .build();
 * }</pre>
 *
 * <p>Recipes are immutable and thread-safe, provided their filter and mappings are.
 */
public final class Recipe {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final String id;
    private final Trigger trigger;
    private final Predicate<Event> filter;
    private final List<ActionStep> steps;

    private Recipe(Builder builder) {
        this.id = builder.id;
        this.trigger = builder.trigger;
        this.filter = builder.filter;
        this.steps = List.copyOf(builder.steps);
    }

    /**
     * Starts a recipe.
     *
     * @param id unique within an engine: letters, digits, '.', '_' or '-', at most 128
     * @return a builder
     * @throws IllegalArgumentException if the id is not valid
     */
    public static Builder named(String id) {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("recipe '" + id
                    + "': an id is 1 to 128 letters, digits, '.', '_' or '-'");
        }
        return new Builder(id);
    }

    /**
     * Returns the recipe's id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Returns what the recipe listens to.
     *
     * @return the trigger
     */
    public Trigger trigger() {
        return trigger;
    }

    /**
     * Returns the filter; one that accepts everything when none was set.
     *
     * @return the filter
     */
    public Predicate<Event> filter() {
        return filter;
    }

    /**
     * Returns the actions, in order.
     *
     * @return an unmodifiable, non-empty list
     */
    public List<ActionStep> steps() {
        return steps;
    }

    @Override
    public String toString() {
        return "Recipe[" + id + " when " + trigger + " then " + steps + "]";
    }

    /** Builds a {@link Recipe}. Each setting is checked when it is set. */
    public static final class Builder {

        private final String id;
        private Trigger trigger;
        private Predicate<Event> filter = event -> true;
        private boolean filtered;
        private final List<ActionStep> steps = new ArrayList<>();

        private Builder(String id) {
            this.id = id;
        }

        /**
         * Sets what the recipe listens to.
         *
         * @param trigger a trigger
         * @return this builder
         * @throws IllegalStateException if a trigger was set before
         */
        public Builder when(Trigger trigger) {
            Objects.requireNonNull(trigger, "trigger");
            if (this.trigger != null) {
                throw new IllegalStateException("recipe '" + id + "': trigger is already set to "
                        + this.trigger);
            }
            this.trigger = trigger;
            return this;
        }

        /**
         * Sets a filter that an event must pass, after the trigger's own selectors.
         *
         * @param filter a thread-safe predicate; if it throws, the recipe fails for that event
         * @return this builder
         * @throws IllegalStateException if a filter was set before
         */
        public Builder filter(Predicate<Event> filter) {
            Objects.requireNonNull(filter, "filter");
            if (filtered) {
                throw new IllegalStateException("recipe '" + id
                        + "': filter is already set; combine predicates with and()");
            }
            this.filter = filter;
            this.filtered = true;
            return this;
        }

        /**
         * Adds an action, run after those added before it.
         *
         * @param step the action step
         * @return this builder
         */
        public Builder then(ActionStep step) {
            steps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        /**
         * Builds the recipe.
         *
         * @return the recipe
         * @throws IllegalStateException if no trigger or no action was given
         */
        public Recipe build() {
            if (trigger == null) {
                throw new IllegalStateException("recipe '" + id + "': no trigger; call when()");
            }
            if (steps.isEmpty()) {
                throw new IllegalStateException("recipe '" + id + "': no action; call then()");
            }
            return new Recipe(this);
        }
    }
}
