package dev.recipes.examples.github;

import dev.recipes.core.ActionStep;

/**
 * Typed triggers and steps of the example GitHub service.
 *
 * <p>Each webhook event named {@code <event>} in {@code X-GitHub-Event} is published as type
 * {@code github.<event>} with the JSON payload as data, so a recipe reads payload fields with
 * pointers such as {@code /issue/title}:
 * <pre>{@code
 * Recipe.named("new-issues")
 *         .when(GitHub.issues().withAction("opened"))
 *         .then(GitHub.logLine().pointer("text", "/issue/title").build())
 *         .build();
 * }</pre>
 */
public final class GitHub {

    private GitHub() {
    }

    /**
     * Returns a trigger on {@code issues} events, of every action until narrowed.
     *
     * @return the trigger
     */
    public static GitHubTrigger issues() {
        return event("issues");
    }

    /**
     * Returns a trigger on {@code pull_request} events, of every action until narrowed.
     *
     * @return the trigger
     */
    public static GitHubTrigger pullRequest() {
        return event("pull_request");
    }

    /**
     * Returns a trigger on {@code push} events.
     *
     * @return the trigger
     */
    public static GitHubTrigger push() {
        return event("push");
    }

    /**
     * Returns a trigger on any GitHub webhook event.
     *
     * @param name the event name as GitHub sends it in {@code X-GitHub-Event}, such as
     *     {@code release}
     * @return the trigger
     * @throws IllegalArgumentException if the name is not lowercase letters, digits and '_'
     */
    public static GitHubTrigger event(String name) {
        return GitHubTrigger.of(name);
    }

    /**
     * Starts a step that runs the {@code log-line} action, which needs no connection; give it
     * the parameter {@code text}.
     *
     * @return a step builder
     */
    public static ActionStep.Builder logLine() {
        return ActionStep.of(GitHubService.ID, LogLineAction.NAME);
    }
}
