package dev.recipes.examples;

import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends a row to a Google Sheet for every message posted in Slack: the message's time,
 * channel, user and text.
 *
 * <p>With none of its environment variables set (see {@link Settings}) it runs a
 * {@linkplain Demo self-contained demo} and exits; otherwise it serves Slack's webhooks at
 * {@code POST /hooks/slack} until stopped, logging one line per appended row.
 */
public final class SlackToSheetsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlackToSheetsApp.class);

    private final RecipeEngine engine;
    private final JdkWebhookServer server;

    private SlackToSheetsApp(RecipeEngine engine, JdkWebhookServer server) {
        this.engine = engine;
        this.server = server;
    }

    /**
     * The app's one recipe: each message a person posts (not edits, deletions or bot
     * messages, which carry a subtype) becomes a row.
     *
     * @param spreadsheetId the spreadsheet
     * @param range the sheet and columns, such as {@code Sheet1!A:D}
     * @return the recipe
     */
    public static Recipe recipe(String spreadsheetId, String range) {
        return Recipe.named("slack-to-sheets")
                .when(Slack.message())
                .filter(event -> event.data().at("/event/subtype").isMissingNode())
                .then(GoogleSheets.appendRow(spreadsheetId, range)
                        .column(Event::time)
                        .column("/event/channel")
                        .column("/event/user")
                        .column("/event/text"))
                .build();
    }

    /**
     * Starts the engine and its webhook server.
     *
     * @param settings the settings
     * @return the running app
     * @throws dev.recipes.core.RecipeException if a setting is unusable, such as a missing key
     *     file
     */
    public static SlackToSheetsApp start(Settings settings) {
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(settings.signingSecret()))
                .service(new GoogleSheetsService())
                .recipe(recipe(settings.spreadsheetId(), settings.range()));
        Optional.ofNullable(settings.sheetsApiUrl())
                .ifPresent(url -> builder.config("google-sheets.api-url", url));
        Optional.ofNullable(settings.tokenUrl())
                .ifPresent(url -> builder.config("google-sheets.token-url", url));
        RecipeEngine engine = builder.build();
        engine.connections().put(GoogleSheets.serviceAccount(settings.keyFile()));
        engine.start();
        engine.bus().subscribe("result.google-sheets.append-row.succeeded", "app-log",
                SlackToSheetsApp::logRow);
        engine.bus().subscribe("result.google-sheets.append-row.failed", "app-log",
                SlackToSheetsApp::logFailure);
        try {
            JdkWebhookServer server = JdkWebhookServer.start(engine,
                    new InetSocketAddress(settings.host(), settings.port()));
            return new SlackToSheetsApp(engine, server);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    private static void logRow(Event result) {
        LOG.info("Appended row {} for Slack event {}",
                result.data().at("/result/updatedRange").asText("?"),
                result.data().path("triggerEventId").asText());
    }

    private static void logFailure(Event result) {
        LOG.error("Could not append the row for Slack event {}: {}",
                result.data().path("triggerEventId").asText(),
                result.data().at("/error/message").asText());
    }

    /**
     * Returns the port the webhook server listens on.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    /**
     * Waits until every event received so far has become a row or a failure.
     *
     * @param timeout how long to wait
     * @return {@code true} if everything settled in time
     * @throws InterruptedException if interrupted
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return engine.awaitIdle(timeout);
    }

    /** Stops the webhook server, then the engine, finishing the rows already accepted. */
    @Override
    public void close() {
        server.close();
        engine.close();
    }

    /**
     * Runs the demo when no setting is given, otherwise serves until the JVM is stopped.
     *
     * @param args ignored
     * @throws Exception if the app cannot start
     */
    public static void main(String[] args) throws Exception {
        Optional<Settings> settings = Settings.fromEnvironment(System.getenv());
        if (settings.isEmpty()) {
            Demo.run(System.out);
            return;
        }
        SlackToSheetsApp app = start(settings.get());
        LOG.info("Serving Slack webhooks at http://{}:{}/hooks/slack; appending to {} {}",
                settings.get().host(), app.port(), settings.get().spreadsheetId(),
                settings.get().range());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "recipes-shutdown"));
        stopped.await();
    }
}
