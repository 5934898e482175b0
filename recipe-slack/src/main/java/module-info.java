/**
 * The Slack service for recipes: signed Events API, slash command and interactivity webhooks,
 * Socket Mode, triggers that select Slack events, and Web API actions.
 *
 * @provides dev.recipes.core.spi.Service the {@code slack} service
 */
module dev.recipes.slack {
    requires transitive dev.recipes.core;
    requires org.java_websocket;
    requires org.slf4j;

    exports dev.recipes.slack;

    provides dev.recipes.core.spi.Service with dev.recipes.slack.SlackService;
}
