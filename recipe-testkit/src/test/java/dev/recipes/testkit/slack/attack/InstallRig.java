package dev.recipes.testkit.slack.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.slack.FakeSlackApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * What the attack tests share: a fake Slack on loopback, a {@link JdkWebhookServer} on
 * loopback in front of whichever engine is current, engines built with the app's OAuth
 * settings, and a browser (a client with a cookie jar that follows no redirect).
 */
final class InstallRig implements AutoCloseable {

    static final String CLIENT_ID = "1111.2222";
    static final String CLIENT_SECRET = "attack-client-secret-5a7e9c";
    static final String SIGNING_SECRET = "attack-signing-secret-77f1";
    static final Duration WAIT = Duration.ofSeconds(10);
    static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock;
    final FakeSlackApi slack;
    final JdkWebhookServer server;
    final ConnectionStore store = ConnectionStore.inMemory();
    private final AtomicReference<RecipeEngine> current = new AtomicReference<>();
    private final List<RecipeEngine> engines = new ArrayList<>();

    InstallRig() {
        this(new MutableClock(Instant.parse("2026-12-04T10:00:00Z")));
    }

    InstallRig(MutableClock clock) {
        this.clock = clock;
        this.slack = FakeSlackApi.start(clock).oauthApp(CLIENT_ID, CLIENT_SECRET);
        this.server = JdkWebhookServer.builder(request -> current.get().webhooks()
                        .handle(request))
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A recipe that posts {@code /text} to {@code /channel} of a shop order as a connection. */
    static Recipe orders(String connectionId) {
        return orders("orders-" + connectionId.replace('.', '-'), connectionId);
    }

    /** The same as {@link #orders(String)}, under another recipe name. */
    static Recipe orders(String name, String connectionId) {
        return Recipe.named(name)
                .when(Trigger.of("shop.order"))
                .then(Slack.postMessage(Mapping.pointer("/channel")).textFrom("/text")
                        .as(connectionId))
                .build();
    }

    static Event order(String id, String channel, String text) {
        return Event.builder("shop.order").id(id)
                .data(JSON.createObjectNode().put("channel", channel).put("text", text))
                .build();
    }

    /** Builds, starts and makes current an engine on the rig's clock and store. */
    RecipeEngine engine(Recipe... recipes) {
        return engine(clock, store, builder -> { }, recipes);
    }

    RecipeEngine engine(Clock engineClock, ConnectionStore connections,
            Consumer<RecipeEngine.Builder> more, Recipe... recipes) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(SlackService.withSigningSecret(Secret.of(SIGNING_SECRET)))
                .clock(engineClock)
                .connections(connections)
                .retryPolicy(RetryPolicy.none())
                .config("slack.api-url", slack.apiUrl())
                .config("slack.client-id", CLIENT_ID)
                .config("slack.client-secret", CLIENT_SECRET)
                .config("slack.oauth-scopes", "chat:write,reactions:write")
                .config("slack.oauth-authorize-url", slack.authorizeUrl())
                .config("slack.oauth-redirect-uri", base() + "/oauth/slack/callback");
        for (Recipe recipe : recipes) {
            builder.recipe(recipe);
        }
        more.accept(builder);
        RecipeEngine engine = builder.build();
        engine.start();
        engines.add(engine);
        current.set(engine);
        return engine;
    }

    /** Makes an engine the one the server hands requests to. */
    void serve(RecipeEngine engine) {
        current.set(engine);
    }

    static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(HttpClient client, String url, String cookie)
            throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT)
                        .header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String location(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        return response.headers().firstValue("Location").orElseThrow();
    }

    /** Runs the browser from the start page to the URL Slack sends it back to. */
    String callbackUrl(HttpClient browser) throws Exception {
        String authorize = location(get(browser, base() + "/oauth/slack/start"));
        return location(get(browser, authorize));
    }

    /** Installs the app into a workspace through the whole flow, and returns the last page. */
    HttpResponse<String> install(String teamId, String teamName) throws Exception {
        slack.installInto(teamId, teamName);
        HttpClient browser = browser();
        return get(browser, callbackUrl(browser));
    }

    /** The number of {@code oauth.v2.access} calls that were refreshes. */
    long refreshCalls() {
        return slack.calls(FakeSlackApi.OAUTH_ACCESS).stream()
                .filter(call -> "refresh_token".equals(call.text("grant_type"))).count();
    }

    static void awaitIdle(RecipeEngine engine) throws InterruptedException {
        assertThat(engine.awaitIdle(WAIT)).as("engine idle").isTrue();
    }

    /** Something a test runs while standard error is captured. */
    interface Step {
        /**
         * Runs the step.
         *
         * @throws Exception if it fails
         */
        void run() throws Exception;
    }

    // slf4j-simple writes to whatever System.err is at the time of each log call.
    static String captureStandardError(Step step) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            step.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @Override
    public void close() {
        server.close();
        engines.forEach(RecipeEngine::close);
        slack.close();
    }
}
