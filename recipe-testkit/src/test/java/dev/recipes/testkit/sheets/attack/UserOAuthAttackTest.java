package dev.recipes.testkit.sheets.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.sheets.FakeGoogleOAuth;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The user OAuth pages under attack over loopback HTTP: hostile text reflected into pages,
 * connection id tricks, and secrets (client secret, refresh and access tokens) in logs, pages,
 * failure messages and {@code toString()}.
 */
final class UserOAuthAttackTest {

    private static final String CLIENT_ID = "9876-attack.apps.googleusercontent.com";
    private static final String CLIENT_SECRET = "GOCSPX-attack-client-secret-4711";
    private static final String USER = "mallory@example.com";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final ConnectionStore store = ConnectionStore.inMemory();
    private final List<String> pages = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream originalErr;
    private FakeSheetsServer sheets;
    private FakeGoogleOAuth google;
    private JdkWebhookServer server;
    private RecipeEngine engine;
    private HttpClient browser;

    @BeforeEach
    void start() {
        originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(log, originalErr), true,
                StandardCharsets.UTF_8));
        sheets = FakeSheetsServer.builder().clock(clock).start();
        sheets.createSpreadsheet("1AbC", "Log");
        google = FakeGoogleOAuth.start(clock).client(CLIENT_ID, CLIENT_SECRET).issueTo(sheets);
        google.consentAs(USER);
        RecipeEngine[] holder = new RecipeEngine[1];
        server = JdkWebhookServer.builder(request -> holder[0].webhooks().handle(request))
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        Recipe log = Recipe.named("log").when(Trigger.of("shop.order"))
                .then(GoogleSheets.appendRow("1AbC", "Log!A:B").column("/id").column("/text")
                        .as("alice"))
                .build();
        engine = RecipeEngine.builder().discoverServices(false)
                .service(new GoogleSheetsService())
                .clock(clock)
                .connections(store)
                .retryPolicy(RetryPolicy.custom().maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build())
                .config("google-sheets.api-url", sheets.apiUrl())
                .config("google-sheets.token-url", google.tokenUrl())
                .config("google-sheets.client-id", CLIENT_ID)
                .config("google-sheets.client-secret", CLIENT_SECRET)
                .config("google-sheets.oauth-authorize-url", google.authorizeUrl())
                .config("google-sheets.oauth-scopes",
                        "openid email https://www.googleapis.com/auth/spreadsheets")
                .config("google-sheets.oauth-redirect-uri",
                        base() + "/oauth/google-sheets/callback")
                .recipe(log)
                .build();
        holder[0] = engine;
        engine.start();
        browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @AfterEach
    void stop() {
        System.setErr(originalErr);
        server.close();
        engine.close();
        google.close();
        sheets.close();
    }

    /** Writes to two streams, so that the log still shows in the build's output. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream first;
        private final java.io.OutputStream second;

        TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private HttpResponse<String> get(String url) throws Exception {
        HttpResponse<String> response = browser.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
        pages.add(response.headers().map() + "\n" + response.body());
        return response;
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

    private String consent(String connection) throws Exception {
        String authorize = location(get(base() + "/oauth/google-sheets/start?connection="
                + connection));
        return location(get(authorize));
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void hostileErrorTextFromTheCallbackOrTheTokenEndpoint_isNeverReflectedAsHtml()
            throws Exception {
        String callback = consent("alice");
        String state = query(callback).get("state");
        HttpResponse<String> reflected = get(base() + "/oauth/google-sheets/callback?state="
                + enc(state) + "&error=" + enc("<script>alert(1)</script>")
                + "&error_description=" + enc("<img src=x onerror=alert(2)>"));
        google.failNextToken(400, "invalid_request",
                "<script>alert(3)</script><a href=\"http://127.0.0.1:1/\">x</a>");
        HttpResponse<String> fromGoogle = get(consent("alice"));

        assertThat(reflected.statusCode()).isEqualTo(400);
        assertThat(fromGoogle.statusCode()).isEqualTo(400);
        for (HttpResponse<String> page : List.of(reflected, fromGoogle)) {
            assertThat(page.body()).doesNotContain("<script").doesNotContain("<img")
                    .doesNotContain("<a href");
            assertThat(page.headers().firstValue("Content-Type").orElse(""))
                    .startsWith("text/html");
        }
        assertThat(store.list("google-sheets")).isEmpty();
    }

    @Test
    void connectionIdTricks_areRefusedAtTheStart() throws Exception {
        for (String id : List.of("alice%0d%0aSet-Cookie:%20x=1", "..%2Fbob", "alice%00",
                "alice&connection=bob%2Fx", "%C3%A4lice", "a%20")) {
            HttpResponse<String> refused = get(base()
                    + "/oauth/google-sheets/start?connection=" + id);
            assertThat(refused.statusCode()).as(id).isEqualTo(400);
            assertThat(refused.headers().allValues("Set-Cookie")).as(id).isEmpty();
        }
    }

    @Test
    void theConnectionParameterGivenTwice_connectsNoSurpriseConnection() throws Exception {
        HttpResponse<String> start = get(base()
                + "/oauth/google-sheets/start?connection=alice&connection=bob");

        if (start.statusCode() == 302) {
            get(location(get(start.headers().firstValue("Location").orElseThrow())));
            assertThat(store.list("google-sheets")).hasSizeLessThanOrEqualTo(1);
        } else {
            assertThat(start.statusCode()).isEqualTo(400);
            assertThat(store.list("google-sheets")).isEmpty();
        }
    }

    @Test
    void secretsNeverShow_inLogsPagesMessagesOrToString_whenGoogleRevokesTheConsent()
            throws Exception {
        HttpResponse<String> done = get(consent("alice"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        String refresh = google.refreshTokenOf(USER).orElseThrow();
        String access = google.accessTokenOf(USER).orElseThrow();
        engine.publish(order("o1"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        clock.advance(Duration.ofHours(2));
        google.revoke(USER);
        engine.publish(order("o2"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        engine.publish(order("o3"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<String> seen = new ArrayList<>(pages);
        seen.add(log.toString(StandardCharsets.UTF_8));
        seen.add(String.valueOf(engine.deadLetters().list()));
        engine.deadLetters().list().forEach(letter -> seen.add(String.valueOf(letter)));
        seen.add(String.valueOf(store.list("google-sheets")));
        seen.add(String.valueOf(engine));
        seen.add(String.valueOf(sheets.requests()));
        assertThat(engine.deadLetters().list()).hasSize(2);
        assertThat(sheets.rows("1AbC", "Log")).hasSize(1);
        for (String text : seen) {
            assertThat(text).doesNotContain(CLIENT_SECRET).doesNotContain(refresh)
                    .doesNotContain(access);
        }
    }

    @Test
    void tokenEndpointErrorDescriptionQuotingSecrets_isMaskedEverywhere()
            throws Exception {
        HttpResponse<String> done = get(consent("alice"));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        String refresh = google.refreshTokenOf(USER).orElseThrow();
        String access = google.accessTokenOf(USER).orElseThrow();
        engine.publish(order("o1"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        // The access token expires, and Google refuses the refresh with a description that
        // quotes the refresh token back (a hostile or buggy token endpoint).
        clock.advance(Duration.ofHours(2));
        google.failNextToken(400, "invalid_grant", "Bad refresh token " + refresh
                + " for client secret " + CLIENT_SECRET);
        engine.publish(order("o2"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        engine.publish(order("o3"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<String> seen = new ArrayList<>(pages);
        seen.add(log.toString(StandardCharsets.UTF_8));
        seen.add(String.valueOf(engine.deadLetters().list()));
        engine.deadLetters().list().forEach(letter -> seen.add(String.valueOf(letter)));
        seen.add(String.valueOf(store.list("google-sheets")));
        seen.add(String.valueOf(engine));
        seen.add(String.valueOf(sheets.requests()));
        assertThat(engine.deadLetters().list()).hasSize(2);
        assertThat(sheets.rows("1AbC", "Log")).hasSize(1);
        for (String text : seen) {
            assertThat(text).doesNotContain(CLIENT_SECRET).doesNotContain(refresh)
                    .doesNotContain(access);
        }
    }

    private static Event order(String id) {
        return Event.builder("shop.order").id(id)
                .data(JSON.createObjectNode().put("id", id).put("text", "order " + id))
                .build();
    }
}
