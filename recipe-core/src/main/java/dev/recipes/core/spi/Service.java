package dev.recipes.core.spi;

import dev.recipes.core.polling.PollSource;
import dev.recipes.core.webhook.WebhookHandler;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A plugin for one third-party system: the triggers it feeds and the actions it offers.
 *
 * <p>The engine finds services with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.recipes.core.spi.Service}; it then needs a public no-argument
 * constructor) or takes them by hand. It calls {@link #start(ServiceContext)} once before any
 * webhook or action reaches the service, and {@link #close()} once at the end. A service gets
 * everything it needs from its context and reaches for no globals.
 */
public interface Service {

    /**
     * Returns the service's id, used in webhook paths ({@code /hooks/<id>}), topics and
     * connections.
     *
     * @return lowercase letters, digits, '.', '_' or '-', such as {@code slack}
     */
    String id();

    /**
     * Returns the configuration keys the service reads, without the {@code <id>.} prefix, so
     * that the engine can refuse a misspelled one.
     *
     * @return the keys; empty (the default) if the service does not declare them, and then any
     *     key under its prefix is accepted
     */
    default Set<String> configKeys() {
        return Set.of();
    }

    /**
     * Starts the service.
     *
     * @param context the service's dependencies and configuration
     * @throws dev.recipes.core.RecipeException if the configuration is unusable; the engine
     *     then fails to start with that message
     */
    default void start(ServiceContext context) {
    }

    /**
     * Returns the handler for webhooks sent to {@code /hooks/<id>} and to longer paths under
     * it ({@code /hooks/<id>/...}), if the service takes any; the handler sees the full path.
     *
     * @return the handler, or empty
     */
    default Optional<WebhookHandler> webhook() {
        return Optional.empty();
    }

    /**
     * Returns the handler for the pages of an OAuth install, {@code GET /oauth/<id>/...} (such
     * as {@code /oauth/slack/start} and {@code /oauth/slack/callback}), if the service offers
     * one; the handler sees the full path and query. A browser, not a webhook sender, calls
     * these pages, so answers are redirects and short pages for people.
     *
     * @return the handler, or empty
     */
    default Optional<WebhookHandler> oauth() {
        return Optional.empty();
    }

    /**
     * Returns what the engine polls for the service's
     * {@link dev.recipes.core.polling.PollingTrigger polling triggers}, if it has any; the
     * engine refuses a recipe with a polling trigger of a service that returns empty.
     *
     * @return the poll source, or empty (the default)
     */
    default Optional<PollSource> pollSource() {
        return Optional.empty();
    }

    /**
     * Returns the actions the service offers.
     *
     * @return the actions; names unique within the service
     */
    default List<Action> actions() {
        return List.of();
    }

    /** Releases what the service holds; called once when the engine closes. */
    default void close() {
    }
}
