package dev.recipes.examples.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A trigger on one GitHub webhook event, optionally narrowed to one {@code action} of the
 * payload (such as {@code opened} for {@code issues}). Immutable and thread-safe.
 */
public final class GitHubTrigger implements Trigger {

    static final Pattern EVENT_NAME = Pattern.compile("[a-z0-9_]{1,64}");

    private final String eventName;
    private final String action;

    private GitHubTrigger(String eventName, String action) {
        this.eventName = eventName;
        this.action = action;
    }

    static GitHubTrigger of(String eventName) {
        Objects.requireNonNull(eventName, "eventName");
        if (!EVENT_NAME.matcher(eventName).matches()) {
            throw new IllegalArgumentException("github trigger: event name '" + eventName
                    + "' is not lowercase letters, digits and '_'");
        }
        return new GitHubTrigger(eventName, null);
    }

    /**
     * Returns a trigger that also requires the payload's {@code action} field to equal a value.
     *
     * @param action such as {@code opened} or {@code closed}
     * @return a new trigger
     * @throws IllegalArgumentException if the action is blank
     * @throws IllegalStateException if this trigger is narrowed to an action already
     */
    public GitHubTrigger withAction(String action) {
        Objects.requireNonNull(action, "action");
        if (action.isBlank()) {
            throw new IllegalArgumentException("github trigger '" + eventName
                    + "': action is blank");
        }
        if (this.action != null) {
            throw new IllegalStateException("github trigger '" + eventName
                    + "': action is set already to '" + this.action + "'");
        }
        return new GitHubTrigger(eventName, action);
    }

    /**
     * Returns the event type, {@code github.<event>}.
     *
     * @return the event type
     */
    @Override
    public String eventType() {
        return GitHubService.ID + "." + eventName;
    }

    /**
     * Tells whether the event's payload has the required {@code action}, if one is required.
     *
     * @param event an event of this trigger's type
     * @return {@code true} if a recipe with this trigger should run
     */
    @Override
    public boolean matches(Event event) {
        if (action == null) {
            return true;
        }
        JsonNode value = event.data().get("action");
        return value != null && value.isTextual() && value.asText().equals(action);
    }

    @Override
    public String toString() {
        return "GitHubTrigger[" + eventName + (action == null ? "" : ", action " + action) + "]";
    }
}
