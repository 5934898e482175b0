package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User OAuth of the Google Sheets service end to end over loopback HTTP: a browser (an HTTP
 * client with a cookie jar that follows no redirects by itself) starts at
 * {@code /oauth/google-sheets/start}, consents on the fake Google's authorize page, comes back
 * to the callback, and recipes then append rows as that user, with refreshed access tokens.
 */
final class GoogleUserOAuthTest {

    private static final String CLIENT_ID = "1234-abc.apps.googleusercontent.com";
    private static final String CLIENT_SECRET = "GOCSPX-client-secret-0123";
    private static final String SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets";
    private static final String USER = "alice@example.com";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Retries quickly on the real scheduler, so that tests need not move time. */
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(10)).build();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final AtomicReference<RecipeEngine> current = new AtomicReference<>();
    private final ConnectionStore store = ConnectionStore.inMemory();
    private FakeSheetsServer sheets;
    private FakeGoogleOAuth google;
    private JdkWebhookServer server;
    private RecipeEngine engine;
    private HttpClient browser;

    @BeforeEach
    void start() {
        sheets = FakeSheetsServer.builder().clock(clock).start();
        sheets.createSpreadsheet("1AbC", "Log");
        google = FakeGoogleOAuth.start(clock).client(CLIENT_ID, CLIENT_SECRET).issueTo(sheets);
        google.consentAs(USER);
        server = JdkWebhookServer.builder(request -> current.get().webhooks().handle(request))
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        engine = engine(store, Map.of());
        current.set(engine);
        browser = browser();
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
        google.close();
        sheets.close();
    }

    private RecipeEngine engine(ConnectionStore connections, Map<String, String> extra) {
        Recipe log = Recipe.named("log").when(Trigger.of("shop.order"))
                .then(GoogleSheets.appendRow("1AbC", "Log!A:B").column("/id").column("/text")
                        .as("alice"))
                .build();
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new GoogleSheetsService())
                .clock(clock)
                .connections(connections)
                .retryPolicy(QUICK)
                .config("google-sheets.api-url", sheets.apiUrl())
                .config("google-sheets.token-url", google.tokenUrl())
                .config("google-sheets.client-id", CLIENT_ID)
                .config("google-sheets.client-secret", CLIENT_SECRET)
                .config("google-sheets.oauth-authorize-url", google.authorizeUrl())
                .config("google-sheets.oauth-redirect-uri",
                        base() + "/oauth/google-sheets/callback")
                .recipe(log);
        extra.forEach(builder::config);
        RecipeEngine built = builder.build();
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
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            params.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    /** Runs the browser's part up to the callback URL Google sends it back to. */
    private String consent(HttpClient client, String connection) throws Exception {
        String authorize = location(get(client, base() + "/oauth/google-sheets/start"
                + "?connection=" + connection));
        return location(get(client, authorize));
    }

    private void connectAlice() throws Exception {
        HttpResponse<String> done = get(browser, consent(browser, "alice"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    }

    private void order(RecipeEngine target, String id) {
        target.publish(Event.builder("shop.order").id(id)
                .data(JSON.createObjectNode().put("id", id).put("text", "order " + id))
                .build());
    }

    private Connection alice() {
        return store.find("google-sheets", "alice").orElseThrow();
    }

    private List<String> appendTokens() {
        return sheets.requests().stream().filter(RecordedRequest::isAppend)
                .map(request -> request.header("Authorization").orElse("")).toList();
    }

    private static String s256(String verifier) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest
                .getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void consentFromStartToAStoredConnectionThatARecipeAppendsWith() throws Exception {
        HttpResponse<String> start = get(browser, base()
                + "/oauth/google-sheets/start?connection=alice");
        String authorize = location(start);
        Map<String, String> asked = query(authorize);
        assertThat(authorize).startsWith(google.authorizeUrl() + "?");
        assertThat(asked).containsEntry("client_id", CLIENT_ID)
                .containsEntry("redirect_uri", base() + "/oauth/google-sheets/callback")
                .containsEntry("response_type", "code")
                .containsEntry("scope", SHEETS_SCOPE)
                .containsEntry("access_type", "offline")
                .containsEntry("prompt", "consent")
                .containsEntry("code_challenge_method", "S256");
        assertThat(asked.get("code_challenge")).matches("[A-Za-z0-9_-]{43}");
        assertThat(asked.get("state")).matches("[A-Za-z0-9._-]{80,200}");
        assertThat(start.headers().firstValue("Set-Cookie").orElseThrow())
                .startsWith("recipes_google_sheets_oauth=").contains("HttpOnly")
                .contains("SameSite=Lax").contains("Path=/oauth/google-sheets/");

        String callback = location(get(browser, authorize));
        assertThat(callback).startsWith(base() + "/oauth/google-sheets/callback?state=");
        HttpResponse<String> done = get(browser, callback);

        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.body()).contains("connection &#39;alice&#39;");
        FakeGoogleOAuth.TokenCall exchange = google.tokenCalls().get(0);
        assertThat(exchange.grantType()).isEqualTo("authorization_code");
        assertThat(exchange.ok()).isTrue();
        assertThat(s256(exchange.form().get("code_verifier")))
                .isEqualTo(asked.get("code_challenge"));
        assertThat(exchange.toString()).doesNotContain(CLIENT_SECRET);
        Connection stored = alice();
        assertThat(stored.settings()).containsEntry("kind", "user")
                .containsEntry("scopes", SHEETS_SCOPE)
                .containsEntry("access-token-expires-at",
                        clock.instant().plusSeconds(3599).toString())
                .containsKey("consented-at").doesNotContainKey("needs-consent");
        assertThat(stored.secret("refresh-token").map(Secret::reveal))
                .isEqualTo(google.refreshTokenOf(USER));
        assertThat(stored.toString()).doesNotContain(google.refreshTokenOf(USER).orElseThrow());

        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(sheets.rows("1AbC", "Log")).containsExactly(List.of("o1", "order o1"));
        assertThat(appendTokens()).containsExactly("Bearer "
                + google.accessTokenOf(USER).orElseThrow());
        assertThat(google.tokenCalls("refresh_token")).isEmpty();
    }

    @Test
    void withoutAConnectionParameterTheConsentIsForTheDefaultConnection() throws Exception {
        String authorize = location(get(browser, base() + "/oauth/google-sheets/start"));

        get(browser, location(get(browser, authorize)));

        assertThat(store.find("google-sheets", "default")).isPresent();
    }

    @Test
    void aConsentNeverReplacesAServiceAccountsConnection() throws Exception {
        Connection serviceAccount = sheets.newServiceAccount().connection();
        store.put(serviceAccount);

        HttpResponse<String> refused = get(browser, consent(browser, "default"));

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("holds a service account");
        assertThat(store.find("google-sheets", "default")).contains(serviceAccount);
    }

    @Test
    void aBadConnectionIdIsRefusedAtTheStart() throws Exception {
        for (String id : List.of("Alice", "a%20b", "-x", "x".repeat(101))) {
            HttpResponse<String> refused = get(browser, base()
                    + "/oauth/google-sheets/start?connection=" + id);
            assertThat(refused.statusCode()).as(id).isEqualTo(400);
            assertThat(refused.body()).contains("lowercase letters");
        }
    }

    @Test
    void anotherFlowsCodeIsRefusedByPkce() throws Exception {
        String first = consent(browser, "alice");
        String second = consent(browser, "alice");
        // The code of the first flow, with the state (and cookie) of the second: an injected
        // code. Only the verifier derived from the second state reaches Google.
        String injected = base() + "/oauth/google-sheets/callback?state="
                + query(second).get("state") + "&code=" + query(first).get("code");

        HttpResponse<String> refused = get(browser, injected);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("Invalid code verifier");
        assertThat(google.tokenCalls()).singleElement()
                .satisfies(call -> assertThat(call.error()).isEqualTo("invalid_grant"));
        assertThat(store.find("google-sheets", "alice")).isEmpty();
    }

    @Test
    void aCallbackUsedTwiceIsRefusedTheSecondTime() throws Exception {
        String callback = consent(browser, "alice");
        assertThat(get(browser, callback).statusCode()).isEqualTo(200);
        HttpClient replayer = browser();
        String state = query(callback).get("state");
        replayer.cookieHandler().orElseThrow().put(URI.create(base() + "/oauth/google-sheets/"),
                Map.of("Set-Cookie", List.of("recipes_google_sheets_oauth="
                        + state.split("\\.")[0] + "; Path=/oauth/google-sheets/")));

        HttpResponse<String> again = get(replayer, callback);

        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("used before");
        assertThat(google.tokenCalls()).hasSize(1);
    }

    @Test
    void aCallbackInAnotherBrowserIsRefusedWithoutExchangingTheCode() throws Exception {
        String callback = consent(browser, "alice");

        HttpResponse<String> stolen = get(browser(), callback);

        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(stolen.body()).contains("another browser");
        assertThat(google.tokenCalls()).isEmpty();
        assertThat(store.list("google-sheets")).isEmpty();
    }

    @Test
    void aStateOlderThanItsLifetimeIsRefused() throws Exception {
        String callback = consent(browser, "alice");
        clock.advance(Duration.ofMinutes(10));

        HttpResponse<String> late = get(browser, callback);

        assertThat(late.statusCode()).isEqualTo(400);
        assertThat(late.body()).contains("expired");
        assertThat(google.tokenCalls()).isEmpty();
    }

    @Test
    void aStateWithAnotherConnectionIdIsForged() throws Exception {
        String callback = consent(browser, "alice");
        String[] parts = query(callback).get("state").split("\\.");
        String bob = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("bob".getBytes(StandardCharsets.UTF_8));
        String forged = callback.replace(query(callback).get("state"),
                parts[0] + "." + parts[1] + "." + bob + "." + parts[3]);

        HttpResponse<String> refused = get(browser, forged);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("was not issued here");
        assertThat(store.list("google-sheets")).isEmpty();
    }

    @Test
    void aDeniedConsentStoresNothingAndSaysSo() throws Exception {
        google.denyNextConsent();

        HttpResponse<String> denied = get(browser, consent(browser, "alice"));

        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("access_denied");
        assertThat(store.list("google-sheets")).isEmpty();
    }

    @Test
    void aConsentWithoutTheSheetsScopeStoresNothing() throws Exception {
        google.grantOnlyNext("openid");

        HttpResponse<String> partial = get(browser, consent(browser, "alice"));

        assertThat(partial.statusCode()).isEqualTo(403);
        assertThat(partial.body()).contains("granted only in part").contains(SHEETS_SCOPE);
        assertThat(store.list("google-sheets")).isEmpty();
    }

    @Test
    void withTheEmailScopeTheUsersEmailIsRecorded() throws Exception {
        RecipeEngine withEmail = engine(ConnectionStore.inMemory(), Map.of(
                "google-sheets.oauth-scopes", "openid email " + SHEETS_SCOPE));
        current.set(withEmail);
        try {
            HttpResponse<String> done = get(browser, consent(browser, "alice"));

            assertThat(done.body()).contains(USER);
            assertThat(withEmail.connections().find("google-sheets", "alice").orElseThrow()
                    .settings()).containsEntry("email", USER);
        } finally {
            current.set(engine);
            withEmail.close();
        }
    }

    @Test
    void theAccessTokenIsRefreshedAMinuteBeforeItExpires() throws Exception {
        connectAlice();
        String first = google.accessTokenOf(USER).orElseThrow();
        clock.advance(Duration.ofSeconds(3599 - 61));
        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(google.tokenCalls("refresh_token")).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        order(engine, "o2");
        order(engine, "o3");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        String second = google.accessTokenOf(USER).orElseThrow();
        assertThat(google.tokenCalls("refresh_token")).singleElement().satisfies(call -> {
            assertThat(call.ok()).isTrue();
            assertThat(call.form()).containsEntry("client_id", CLIENT_ID)
                    .containsEntry("refresh_token", google.refreshTokenOf(USER).orElseThrow());
        });
        assertThat(appendTokens()).containsExactly("Bearer " + first, "Bearer " + second,
                "Bearer " + second);
        assertThat(alice().secret("access-token").map(Secret::reveal)).contains(second);
        assertThat(alice().settings()).doesNotContainKey("token-refresh-claim")
                .containsEntry("access-token-expires-at",
                        clock.instant().plusSeconds(3599).toString());
    }

    @Test
    void aNewRefreshTokenFromGoogleIsStored() throws Exception {
        connectAlice();
        String before = alice().secret("refresh-token").orElseThrow().reveal();
        google.rotateRefreshTokens(true);
        clock.advance(Duration.ofHours(1));

        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        String after = alice().secret("refresh-token").orElseThrow().reveal();
        assertThat(after).isNotEqualTo(before).isEqualTo(google.refreshTokenOf(USER)
                .orElseThrow());
        assertThat(sheets.rows("1AbC", "Log")).hasSize(1);
    }

    @Test
    void anAccessTokenSheetsRefusesIsRefreshedOnceAndTheRowWritten() throws Exception {
        connectAlice();
        sheets.revokeTokens();

        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(google.tokenCalls("refresh_token")).hasSize(1);
        assertThat(sheets.rows("1AbC", "Log")).containsExactly(List.of("o1", "order o1"));
    }

    @Test
    void invalidGrantMarksTheConnectionAndLaterActionsDoNotCallGoogle() throws Exception {
        connectAlice();
        google.revoke(USER);
        clock.advance(Duration.ofHours(1));

        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.attempts()).isEqualTo(1);
            assertThat(letter.lastError()).contains("connection 'google-sheets/alice'")
                    .contains("invalid_grant: Token has been expired or revoked;")
                    .contains(base() + "/oauth/google-sheets/start?connection=alice");
        });
        assertThat(alice().settings()).containsKey("needs-consent")
                .containsEntry("needs-consent-at", clock.instant().toString())
                .doesNotContainKey("token-refresh-claim");
        assertThat(alice().secrets()).doesNotContainKey("access-token");

        order(engine, "o2");
        order(engine, "o3");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(engine.deadLetters().list()).hasSize(3).allSatisfy(letter -> {
            assertThat(letter.attempts()).isEqualTo(1);
            assertThat(letter.lastError()).contains("/oauth/google-sheets/start?connection="
                    + "alice");
        });
        assertThat(engine.deadLetters().list().get(2).lastError())
                .contains("fail without calling Google");
        assertThat(google.tokenCalls("refresh_token")).hasSize(1);
        assertThat(sheets.appendRequests()).isZero();
    }

    @Test
    void aNewConsentClearsTheMarkAndActionsRunAgain() throws Exception {
        connectAlice();
        google.revoke(USER);
        clock.advance(Duration.ofHours(1));
        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(alice().settings()).containsKey("needs-consent");

        connectAlice();
        order(engine, "o2");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(alice().settings()).doesNotContainKey("needs-consent");
        assertThat(sheets.rows("1AbC", "Log")).containsExactly(List.of("o2", "order o2"));
    }

    @Test
    void refreshTokensOfATestingStatusAppDieAfterSevenDays() throws Exception {
        google.refreshTokenLifetime(Duration.ofDays(7));
        connectAlice();
        clock.advance(Duration.ofDays(6));
        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows("1AbC", "Log")).hasSize(1);

        clock.advance(Duration.ofDays(1));
        order(engine, "o2");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter ->
                assertThat(letter.lastError()).contains("invalid_grant"));
        assertThat(alice().settings()).containsKey("needs-consent");
    }

    @Test
    void twoEnginesSharingAStoreRefreshATokenOnce() throws Exception {
        connectAlice();
        RecipeEngine other = engine(store, Map.of());
        try {
            clock.advance(Duration.ofHours(1));
            google.delayNextToken(Duration.ofMillis(300));
            for (int i = 0; i < 4; i++) {
                order(engine, "a" + i);
                order(other, "b" + i);
            }
            assertThat(engine.awaitIdle(WAIT)).isTrue();
            assertThat(other.awaitIdle(WAIT)).isTrue();
        } finally {
            other.close();
        }

        assertThat(google.tokenCalls("refresh_token")).singleElement()
                .satisfies(call -> assertThat(call.ok()).isTrue());
        assertThat(sheets.rows("1AbC", "Log")).hasSize(8);
        String refreshed = "Bearer " + google.accessTokenOf(USER).orElseThrow();
        assertThat(appendTokens()).hasSize(8).containsOnly(refreshed);
    }

    @Test
    void aRefreshThatGoogleCannotAnswerIsRetriedLater() throws Exception {
        connectAlice();
        clock.advance(Duration.ofHours(1));
        google.failNextToken(503, "temporarily_unavailable", "try later");

        order(engine, "o1");
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(google.tokenCalls("refresh_token")).extracting(
                FakeGoogleOAuth.TokenCall::status).containsExactly(503, 200);
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(alice().settings()).doesNotContainKey("needs-consent")
                .doesNotContainKey("token-refresh-claim");
        assertThat(sheets.rows("1AbC", "Log")).containsExactly(List.of("o1", "order o1"));
    }

    @Test
    void theConsentPagesAre404WhenUserOAuthIsOff() throws Exception {
        RecipeEngine plain = RecipeEngine.builder().discoverServices(false)
                .service(new GoogleSheetsService()).build();
        plain.start();
        try {
            current.set(plain);
            HttpResponse<String> response = get(browser, base() + "/oauth/google-sheets/start");
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).contains("google-sheets.client-id");
        } finally {
            current.set(engine);
            plain.close();
        }
    }

    @Test
    void anEngineWithTheClientButWithoutConsentPagesStillRefreshes() throws Exception {
        connectAlice();
        RecipeEngine refresher = refresherEngine(Map.of(
                "google-sheets.client-id", CLIENT_ID,
                "google-sheets.client-secret", CLIENT_SECRET));
        try {
            current.set(refresher);
            assertThat(get(browser, base() + "/oauth/google-sheets/start").statusCode())
                    .isEqualTo(404);
            clock.advance(Duration.ofHours(1));

            order(refresher, "o1");
            assertThat(refresher.awaitIdle(WAIT)).isTrue();

            assertThat(google.tokenCalls("refresh_token")).hasSize(1);
            assertThat(sheets.rows("1AbC", "Log")).hasSize(1);
        } finally {
            current.set(engine);
            refresher.close();
        }
    }

    @Test
    void anEngineWithoutTheClientSaysWhatToConfigureOnceTheTokenExpires() throws Exception {
        connectAlice();
        RecipeEngine bare = refresherEngine(Map.of());
        try {
            order(bare, "o1");
            assertThat(bare.awaitIdle(WAIT)).isTrue();
            assertThat(sheets.rows("1AbC", "Log")).hasSize(1);
            clock.advance(Duration.ofHours(1));

            order(bare, "o2");
            assertThat(bare.awaitIdle(WAIT)).isTrue();

            assertThat(bare.deadLetters().list()).singleElement().satisfies(letter ->
                    assertThat(letter.lastError()).contains("google-sheets.client-id"));
            assertThat(google.tokenCalls("refresh_token")).isEmpty();
        } finally {
            bare.close();
        }
    }

    private RecipeEngine refresherEngine(Map<String, String> config) {
        Recipe log = Recipe.named("log").when(Trigger.of("shop.order"))
                .then(GoogleSheets.appendRow("1AbC", "Log!A:B").column("/id").column("/text")
                        .as("alice"))
                .build();
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new GoogleSheetsService())
                .clock(clock)
                .connections(store)
                .retryPolicy(QUICK)
                .config("google-sheets.api-url", sheets.apiUrl())
                .config("google-sheets.token-url", google.tokenUrl())
                .recipe(log);
        config.forEach(builder::config);
        RecipeEngine built = builder.build();
        built.start();
        return built;
    }
}
