package dev.recipes.examples;

import dev.recipes.bus.redis.RedisBackend;
import dev.recipes.bus.redis.RedisEventBus;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.AppendRowStep;
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
    // The Redis backend's pool has 16 connections by default; 4 stay for the engine's own
    // commands while every webhook thread waits on one.
    private static final int REDIS_WEBHOOK_THREADS = 12;

    private final RecipeEngine engine;
    private final JdkWebhookServer server;
    private final RedisBackend redis;

    private SlackToSheetsApp(RecipeEngine engine, JdkWebhookServer server, RedisBackend redis) {
        this.engine = engine;
        this.server = server;
        this.redis = redis;
    }

    /**
     * The app's one recipe: each message a person posts (not edits, deletions or bot
     * messages, which {@code Slack.message()} leaves out) becomes a row.
     *
     * @param spreadsheetId the spreadsheet
     * @param range the sheet and columns, such as {@code Sheet1!A:D}
     * @return the recipe
     */
    public static Recipe recipe(String spreadsheetId, String range) {
        return recipe(spreadsheetId, range, null);
    }

    /**
     * The app's one recipe, with each row's idempotency key in a column of its own, so that an
     * append retried after an unknown outcome is not written twice.
     *
     * @param spreadsheetId the spreadsheet
     * @param range the sheet and columns, such as {@code Sheet1!A:D}
     * @param keyColumn the key's column right of the four mapped ones, such as {@code E}, or
     *     null for none
     * @return the recipe
     */
    public static Recipe recipe(String spreadsheetId, String range, String keyColumn) {
        AppendRowStep row = GoogleSheets.appendRow(spreadsheetId, range)
                .column(Event::time)
                .column("/event/channel")
                .column("/event/user")
                .column("/event/text");
        return Recipe.named("slack-to-sheets")
                .when(Slack.message())
                .then(keyColumn == null ? row : row.keyColumn(keyColumn))
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
                .recipe(recipe(settings.spreadsheetId(), settings.range(),
                        settings.keyColumn()));
        Optional.ofNullable(settings.sheetsApiUrl())
                .ifPresent(url -> builder.config("google-sheets.api-url", url));
        Optional.ofNullable(settings.tokenUrl())
                .ifPresent(url -> builder.config("google-sheets.token-url", url));
        RedisBackend redis = settings.redis() == null ? null : shareRedis(builder,
                settings.redis());
        RecipeEngine engine;
        try {
            engine = builder.build();
            engine.connections().put(GoogleSheets.serviceAccount(settings.keyFile()));
            engine.start();
        } catch (RuntimeException e) {
            closeQuietly(redis);
            throw e;
        }
        try {
            engine.bus().subscribe("result.google-sheets.append-row.succeeded", "app-log",
                    SlackToSheetsApp::logRow);
            engine.bus().subscribe("result.google-sheets.append-row.failed", "app-log",
                    SlackToSheetsApp::logFailure);
            JdkWebhookServer.Builder webhooks = JdkWebhookServer.builder(engine.webhooks())
                    .address(new InetSocketAddress(settings.host(), settings.port()));
            if (redis != null) {
                // Each webhook waits for Redis twice (the idempotency claim, the publish), so
                // more requests run at once than the one per processor that suits an engine in
                // memory, though fewer than the backend's pool has connections.
                webhooks.threads(REDIS_WEBHOOK_THREADS);
            }
            JdkWebhookServer server = webhooks.start();
            return new SlackToSheetsApp(engine, server, redis);
        } catch (RuntimeException e) {
            engine.close();
            closeQuietly(redis);
            throw e;
        }
    }

    // The bus, the idempotency store and the leases all live in Redis, so that copies of the
    // app share the work and a copy that dies leaves nothing behind that the others cannot
    // finish.
    private static RedisBackend shareRedis(RecipeEngine.Builder builder, Settings.Redis redis) {
        RedisBackend.Builder backend = RedisBackend.builder(redis.url());
        Optional.ofNullable(redis.prefix()).ifPresent(backend::prefix);
        RedisBackend connected = backend.build();
        try {
            RedisEventBus bus = redis.claimIdle() == null ? connected.bus()
                    : RedisEventBus.builder(connected).claimIdle(redis.claimIdle()).build();
            builder.bus(bus).idempotency(connected.idempotency()).leases(connected.leases());
            Optional.ofNullable(redis.actionLease()).ifPresent(builder::actionLease);
            return connected;
        } catch (RuntimeException e) {
            connected.close();
            throw e;
        }
    }

    private static void closeQuietly(RedisBackend redis) {
        if (redis != null) {
            redis.close();
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

    /**
     * Stops the webhook server, then the engine, finishing the rows already accepted, then
     * lets go of Redis if the app shares one.
     */
    @Override
    public void close() {
        server.close();
        engine.close();
        closeQuietly(redis);
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
        LOG.info("Serving Slack webhooks at http://{}:{}/hooks/slack; appending to {} {}; {}",
                settings.get().host(), app.port(), settings.get().spreadsheetId(),
                settings.get().range(), settings.get().redis() == null ? "running alone"
                        : "sharing the work through " + settings.get().redis());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "recipes-shutdown"));
        stopped.await();
    }
}
