package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import dev.recipes.testkit.MutableClock;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OAuth v2 install end to end over loopback HTTP: a browser (an HTTP client with a cookie
 * jar that follows no redirects by itself) starts at {@code /oauth/slack/start}, visits the fake
 * Slack's authorize page, comes back to the callback, and a recipe then posts with the stored
 * connection.
 */
final class SlackOAuthInstallTest {

    private static final String CLIENT_ID = "1111.2222";
    private static final String CLIENT_SECRET = "app-client-secret-0123";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final AtomicReference<RecipeEngine> current = new AtomicReference<>();
    private final ConnectionStore store = ConnectionStore.inMemory();
    private FakeSlackApi slack;
    private JdkWebhookServer server;
    private RecipeEngine engine;
    private HttpClient browser;

    @BeforeEach
    void start() {
        slack = FakeSlackApi.start(clock).oauthApp(CLIENT_ID, CLIENT_SECRET);
        server = JdkWebhookServer.builder(request -> current.get().webhooks().handle(request))
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        engine = engine(store);
        current.set(engine);
        browser = browser();
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
        slack.close();
    }

    private RecipeEngine engine(ConnectionStore connections) {
        Recipe notify = Recipe.named("notify").when(Trigger.of("shop.order"))
                .then(Slack.postMessage(Mapping.pointer("/channel")).textFrom("/text")
                        .as("t0test001"))
                .build();
        RecipeEngine built = RecipeEngine.builder().discoverServices(false)
                .service(SlackService.withSigningSecret(Secret.of("signing-secret")))
                .clock(clock)
                .connections(connections)
                .config("slack.api-url", slack.apiUrl())
                .config("slack.client-id", CLIENT_ID)
                .config("slack.client-secret", CLIENT_SECRET)
                .config("slack.oauth-scopes", "chat:write, reactions:write")
                .config("slack.oauth-authorize-url", slack.authorizeUrl())
                .config("slack.oauth-redirect-uri", base() + "/oauth/slack/callback")
                .recipe(notify)
                .build();
        built.start();
        return built;
    }

    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String location(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static Map<String, String> query(String url) {
        Map<String, String> params = new LinkedHashMap<>();
        String query = URI.create(url).getRawQuery();
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            params.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    /** Runs the browser's part up to the callback URL Slack sends it back to. */
    private String approve(HttpClient client) throws Exception {
        String authorize = location(get(client, base() + "/oauth/slack/start"));
        return location(get(client, authorize));
    }

    private void order(String id, String channel, String text) {
        engine.publish(Event.builder("shop.order").id(id)
                .data(JSON.createObjectNode().put("channel", channel).put("text", text))
                .build());
    }

    @Test
    void installFromStartToAStoredConnectionThatARecipePostsWith() throws Exception {
        HttpResponse<String> start = get(browser, base() + "/oauth/slack/start");
        String authorize = location(start);
        Map<String, String> asked = query(authorize);
        assertThat(authorize).startsWith(slack.authorizeUrl() + "?");
        assertThat(asked).containsEntry("client_id", CLIENT_ID)
                .containsEntry("scope", "chat:write,reactions:write")
                .containsEntry("redirect_uri", base() + "/oauth/slack/callback")
                .doesNotContainKey("user_scope");
        assertThat(asked.get("state")).matches("[A-Za-z0-9._-]{60,100}");
        assertThat(start.headers().firstValue("Set-Cookie").orElseThrow())
                .contains("HttpOnly").contains("SameSite=Lax").contains("Path=/oauth/slack/");
        assertThat(start.headers().firstValue("Cache-Control")).contains("no-store");

        String callback = location(get(browser, authorize));
        assertThat(callback).startsWith(base() + "/oauth/slack/callback?code=");
        HttpResponse<String> done = get(browser, callback);

        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("installed in Test Team");
        assertThat(done.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        Connection stored = store.find("slack", "t0test001").orElseThrow();
        assertThat(stored.secret("bot-token").map(Secret::reveal))
                .isEqualTo(slack.botTokenOf("T0TEST001"));
        assertThat(stored.settings()).containsEntry("team-id", "T0TEST001")
                .containsEntry("team-name", "Test Team")
                .containsEntry("scopes", "chat:write,reactions:write")
                .containsEntry("enterprise-install", "false")
                .containsKeys("bot-user-id", "app-id", "installed-at", "installed-by")
                .doesNotContainKey("token-expires-at");
        assertThat(stored.toString()).doesNotContain(stored.secret("bot-token").get().reveal());

        FakeSlackApi.Call exchange = slack.calls("oauth.v2.access").get(0);
        assertThat(exchange.ok()).isTrue();
        assertThat(exchange.body().path("_basic_auth").asBoolean()).isTrue();
        assertThat(exchange.body().has("client_secret")).isFalse();

        order("o1", "C0SALES", "new order");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        FakeSlackApi.Call post = slack.calls("chat.postMessage").get(0);
        assertThat(post.ok()).isTrue();
        assertThat(post.token()).isEqualTo(slack.botTokenOf("T0TEST001").orElseThrow());
        assertThat(slack.messages("C0SALES")).singleElement()
                .satisfies(message -> assertThat(message.text()).isEqualTo("new order"));
    }

    @Test
    void aCallbackUsedTwiceIsRefusedTheSecondTime() throws Exception {
        String callback = approve(browser);
        assertThat(get(browser, callback).statusCode()).isEqualTo(200);
        // The first answer cleared the cookie; a replay with it set again still fails.
        HttpClient replayer = browser();
        String state = query(callback).get("state");
        replayer.cookieHandler().orElseThrow().put(URI.create(base() + "/oauth/slack/"),
                Map.of("Set-Cookie", List.of("recipes_slack_oauth=" + state.split("\\.")[0]
                        + "; Path=/oauth/slack/")));

        HttpResponse<String> again = get(replayer, callback);

        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("used before");
        assertThat(slack.calls("oauth.v2.access")).hasSize(1);
    }

    @Test
    void aCallbackInAnotherBrowserIsRefusedWithoutExchangingTheCode() throws Exception {
        String callback = approve(browser);

        HttpResponse<String> stolen = get(browser(), callback);

        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(stolen.body()).contains("another browser");
        assertThat(slack.calls("oauth.v2.access")).isEmpty();
        assertThat(store.list("slack")).isEmpty();
        assertThat(get(browser, callback).statusCode()).isEqualTo(200);
    }

    @Test
    void aStateOlderThanItsLifetimeIsRefused() throws Exception {
        String callback = approve(browser);
        clock.advance(Duration.ofMinutes(10));

        HttpResponse<String> late = get(browser, callback);

        assertThat(late.statusCode()).isEqualTo(400);
        assertThat(late.body()).contains("expired");
        assertThat(slack.calls("oauth.v2.access")).isEmpty();
    }

    @Test
    void aForgedStateIsRefused() throws Exception {
        String callback = approve(browser);
        String forged = callback.replaceFirst("state=[^&]+", "state=AAAAAAAAAAAAAAAAAAAAAA.9"
                + "999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        HttpResponse<String> refused = get(browser, forged);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("was not issued here");
        assertThat(slack.calls("oauth.v2.access")).isEmpty();
    }

    @Test
    void aCancelledInstallStoresNothingAndSaysSo() throws Exception {
        slack.denyNextInstall();

        HttpResponse<String> cancelled = get(browser, approve(browser));

        assertThat(cancelled.statusCode()).isEqualTo(403);
        assertThat(cancelled.body()).contains("access_denied").contains("cancelled");
        assertThat(store.list("slack")).isEmpty();
    }

    @Test
    void slackRefusingTheCodeIsShownAndStoresNothing() throws Exception {
        String callback = approve(browser);
        slack.failNext("invalid_code");

        HttpResponse<String> refused = get(browser, callback);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("invalid_code");
        assertThat(refused.body()).doesNotContain(CLIENT_SECRET);
        assertThat(store.list("slack")).isEmpty();
    }

    @Test
    void slackFailingIsA502() throws Exception {
        String callback = approve(browser);
        slack.answerNext(503, "busy");

        HttpResponse<String> failed = get(browser, callback);

        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(store.list("slack")).isEmpty();
    }

    @Test
    void malformedCallbacksAre400() throws Exception {
        approve(browser);
        for (String query : List.of("", "?state=x", "?code=%C3%28&state=x", "?code=a&code=b",
                "?code=" + "c".repeat(600) + "&state=x")) {
            HttpResponse<String> response = get(browser, base() + "/oauth/slack/callback"
                    + query);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type"))
                    .contains("text/html; charset=utf-8");
        }
        assertThat(slack.calls("oauth.v2.access")).isEmpty();
    }

    @Test
    void aReinstallReplacesTheWorkspacesToken() throws Exception {
        get(browser, approve(browser));
        String first = store.find("slack", "t0test001").orElseThrow().secret("bot-token")
                .orElseThrow().reveal();

        get(browser, approve(browser));

        String second = store.find("slack", "t0test001").orElseThrow().secret("bot-token")
                .orElseThrow().reveal();
        assertThat(second).isNotEqualTo(first).isEqualTo(slack.botTokenOf("T0TEST001")
                .orElseThrow());
        assertThat(store.list("slack")).hasSize(1);
    }

    @Test
    void enterpriseInstallsAreKeyedByOrgAndWorkspace() throws Exception {
        slack.installIntoEnterprise("E0ENT001", "Big Org", "T0GRID01", "Grid Team", false);
        get(browser, approve(browser));
        slack.installIntoEnterprise("E0ENT001", "Big Org", null, null, true);
        get(browser, approve(browser));

        assertThat(store.list("slack")).extracting(Connection::id)
                .containsExactly("e0ent001", "e0ent001.t0grid01");
        assertThat(store.find("slack", "e0ent001").orElseThrow().settings())
                .containsEntry("enterprise-install", "true")
                .containsEntry("enterprise-name", "Big Org");
    }

    @Test
    void rotatingTokensAreRefreshedOnceBeforeTheyExpire() throws Exception {
        slack.rotateTokens(Duration.ofHours(12));
        get(browser, approve(browser));
        Connection installed = store.find("slack", "t0test001").orElseThrow();
        assertThat(installed.settings()).containsEntry("token-expires-at",
                clock.instant().plus(Duration.ofHours(12)).toString());
        String firstRefresh = installed.secret("refresh-token").orElseThrow().reveal();

        order("o1", "C0SALES", "before");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        clock.advance(Duration.ofHours(10).plusMinutes(1));
        for (int i = 0; i < 6; i++) {
            order("o" + (i + 2), "C0CH" + i, "after " + i);
        }
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<FakeSlackApi.Call> refreshes = slack.calls("oauth.v2.access").stream()
                .filter(call -> "refresh_token".equals(call.body().path("grant_type").asText()))
                .toList();
        assertThat(refreshes).singleElement().satisfies(call -> assertThat(call.ok()).isTrue());
        Connection refreshed = store.find("slack", "t0test001").orElseThrow();
        String newToken = slack.botTokenOf("T0TEST001").orElseThrow();
        assertThat(refreshed.secret("bot-token").orElseThrow().reveal()).isEqualTo(newToken);
        assertThat(refreshed.secret("refresh-token").orElseThrow().reveal())
                .isNotEqualTo(firstRefresh);
        assertThat(refreshed.settings()).doesNotContainKey("token-refresh-claim");
        List<FakeSlackApi.Call> posts = slack.calls("chat.postMessage");
        assertThat(posts).hasSize(7).allSatisfy(call -> assertThat(call.ok()).isTrue());
        assertThat(posts.subList(1, 7)).allSatisfy(call ->
                assertThat(call.token()).isEqualTo(newToken));
    }

    @Test
    void twoEnginesSharingAStoreRefreshATokenOnce() throws Exception {
        slack.rotateTokens(Duration.ofHours(12));
        get(browser, approve(browser));
        RecipeEngine other = engine(store);
        try {
            clock.advance(Duration.ofHours(11));
            slack.delayNext(Duration.ofMillis(300));
            for (int i = 0; i < 4; i++) {
                order("a" + i, "C0A" + i, "from a");
                other.publish(Event.builder("shop.order").id("b" + i)
                        .data(JSON.createObjectNode().put("channel", "C0B" + i)
                                .put("text", "from b")).build());
            }
            assertThat(engine.awaitIdle(WAIT)).isTrue();
            assertThat(other.awaitIdle(WAIT)).isTrue();
        } finally {
            other.close();
        }

        assertThat(slack.calls("oauth.v2.access").stream()
                .filter(call -> "refresh_token".equals(call.body().path("grant_type").asText())))
                .singleElement().satisfies(call -> assertThat(call.ok()).isTrue());
        String newToken = slack.botTokenOf("T0TEST001").orElseThrow();
        assertThat(slack.calls("chat.postMessage")).hasSize(8).allSatisfy(call -> {
            assertThat(call.ok()).isTrue();
            assertThat(call.token()).isEqualTo(newToken);
        });
    }

    @Test
    void aRevokedRefreshTokenFailsPermanentlyAndSaysToReinstall() throws Exception {
        slack.rotateTokens(Duration.ofHours(12));
        get(browser, approve(browser));
        clock.advance(Duration.ofHours(11));
        slack.failNext("invalid_refresh_token");

        order("o1", "C0SALES", "after");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.lastError()).contains("invalid_refresh_token")
                    .contains("/oauth/slack/start");
            assertThat(letter.attempts()).isEqualTo(1);
        });
        assertThat(slack.calls("chat.postMessage")).isEmpty();
        assertThat(store.find("slack", "t0test001").orElseThrow().settings())
                .doesNotContainKey("token-refresh-claim");
    }

    @Test
    void theInstallPagesAre404WhenTheInstallIsOff() throws Exception {
        RecipeEngine plain = RecipeEngine.builder().discoverServices(false)
                .service(SlackService.withSigningSecret(Secret.of("signing-secret")))
                .build();
        plain.start();
        try {
            current.set(plain);
            HttpResponse<String> response = get(browser, base() + "/oauth/slack/start");
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).contains("slack.client-id");
        } finally {
            current.set(engine);
            plain.close();
        }
    }
}
