package dev.recipes.core;

/**
 * One attempt at one action request, as an {@link EngineListener} sees it.
 *
 * @param recipe the recipe that asked for the action
 * @param service the service id
 * @param action the action name
 * @param idempotencyKey the key under which the action runs once
 * @param attempt which attempt this is, from 1
 */
public record ActionAttempt(String recipe, String service, String action, String idempotencyKey,
        int attempt) {
}
