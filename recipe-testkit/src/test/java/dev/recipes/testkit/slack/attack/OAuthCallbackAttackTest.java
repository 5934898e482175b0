package dev.recipes.testkit.slack.attack;

import static dev.recipes.testkit.slack.attack.InstallRig.browser;
import static dev.recipes.testkit.slack.attack.InstallRig.get;
import static dev.recipes.testkit.slack.attack.InstallRig.location;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.testkit.slack.FakeSlackApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on {@code GET /oauth/slack/callback} over loopback HTTP: forged, replayed, expired
 * and foreign states, missing and doubled parameters, odd encodings and paths, cookie tricks,
 * header injection through parameters, and markup in what the answer pages show.
 */
final class OAuthCallbackAttackTest {

    private InstallRig rig;

    @BeforeEach
    void start() {
        rig = new InstallRig();
        rig.engine(InstallRig.orders("t0test001"));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private int exchanges() {
        return rig.slack.calls(FakeSlackApi.OAUTH_ACCESS).size();
    }

    private static String param(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + url);
    }

    private static String cookieNonce(HttpResponse<String> start) {
        String header = start.headers().firstValue("Set-Cookie").orElseThrow();
        return header.substring(header.indexOf('=') + 1, header.indexOf(';'));
    }

    private void assertRefusedWithoutExchange(HttpResponse<String> page, int status) {
        assertThat(page.statusCode()).as(page.body()).isEqualTo(status);
        assertThat(exchanges()).isZero();
        assertThat(rig.store.list("slack")).isEmpty();
    }

    @Test
    void aStateWithOneCharacterChangedIsRefused() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String state = param(callback, "state");
        char last = state.charAt(state.length() - 1);
        String forged = state.substring(0, state.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertRefusedWithoutExchange(get(browser, callback.replace(state, forged)), 400);
    }

    @Test
    void aStateWithALaterExpiryAndTheOldSignatureIsRefused() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String state = param(callback, "state");
        String[] parts = state.split("\\.");
        String later = parts[0] + "." + (Long.parseLong(parts[1]) + 86_400) + "." + parts[2];
        assertRefusedWithoutExchange(get(browser, callback.replace(state, later)), 400);
    }

    @Test
    void aReplayedCallbackIsRefusedAndTheCodeIsExchangedOnce() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        HttpResponse<String> first = get(browser, callback);
        // The first answer clears the cookie; the replay brings it back as an attacker would.
        String nonce = param(callback, "state").split("\\.")[0];
        HttpResponse<String> replay = get(HttpClient.newHttpClient(), callback,
                "recipes_slack_oauth=" + nonce);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("used before");
        assertThat(exchanges()).isEqualTo(1);
    }

    @Test
    void aCallbackThatReachesAnotherBrowserIsRefused() throws Exception {
        String callback = rig.callbackUrl(browser());
        HttpClient victim = browser();
        get(victim, rig.base() + "/oauth/slack/start");   // the victim has a cookie of its own
        assertRefusedWithoutExchange(get(victim, callback), 400);
        assertRefusedWithoutExchange(get(HttpClient.newHttpClient(), callback), 400);
    }

    @Test
    void anExpiredStateIsRefused() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        rig.clock.advance(Duration.ofMinutes(10));
        HttpResponse<String> page = get(browser, callback);
        assertRefusedWithoutExchange(page, 400);
        assertThat(page.body()).contains("expired");
    }

    @Test
    void doubledCodeOrStateIsRefusedWithoutAnExchange() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String code = param(callback, "code");
        String state = param(callback, "state");
        assertRefusedWithoutExchange(get(browser, callback + "&code=" + code), 400);
        assertRefusedWithoutExchange(get(browser, callback + "&state=" + state), 400);
        // The refusals cleared the browser's cookie, but did not spend the state.
        String nonce = state.split("\\.")[0];
        assertThat(get(HttpClient.newHttpClient(), callback, "recipes_slack_oauth=" + nonce)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void missingOrEmptyOrMalformedParametersAreRefused() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String code = param(callback, "code");
        String state = param(callback, "state");
        String at = rig.base() + "/oauth/slack/callback";
        for (String query : List.of("", "?state=" + state, "?code=" + code,
                "?code=&state=" + state, "?code=" + code + "&state=",
                "?code=%C0%AF&state=" + state, "?code=%FF&state=" + state,
                "?code=" + code + "&state=" + state + "%00")) {
            HttpResponse<String> page = get(browser, at + query);
            assertThat(page.statusCode()).as(query).isEqualTo(400);
        }
        assertThat(exchanges()).isZero();
    }

    @Test
    void aHugeQueryStringIsRefusedShortly() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String huge = callback.replaceFirst("code=[^&]*", "code=" + "a".repeat(60_000));
        HttpResponse<String> page = get(browser, huge);
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body().length()).isLessThan(2_000);
        assertThat(exchanges()).isZero();
    }

    @Test
    void encodedOrOddPathsNeverReachTheExchange() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String query = "?" + URI.create(callback).getRawQuery();
        for (String path : List.of("/oauth/slack/%63allback", "/oauth/slack/callback/",
                "/oauth/slack//callback", "/oauth/slack/./callback", "/oauth/slack/x/../callback",
                "/oauth/SLACK/callback", "/oauth/slack/callback;x", "/oauth/slack%2Fcallback",
                "/oauth/slack/%2e/callback")) {
            HttpResponse<String> page = get(browser, rig.base() + path + query);
            assertThat(page.statusCode()).as(path).isBetween(400, 499);
        }
        HttpResponse<String> post = browser.send(HttpRequest.newBuilder(URI.create(callback))
                .POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(exchanges()).isZero();
        assertThat(get(browser, callback).statusCode()).isEqualTo(200);
    }

    @Test
    void cookieTricksDoNotPassTheBrowserCheck() throws Exception {
        HttpClient attacker = browser();
        String callback = rig.callbackUrl(attacker);
        String state = param(callback, "state");
        HttpClient plain = HttpClient.newHttpClient();
        for (String cookie : List.of("recipes_slack_oauth=", "recipes_slack_oauth=\"\"",
                "recipes_slack_oauth=" + state, "Recipes_Slack_OAuth=" + state.split("\\.")[0],
                "recipes_slack_oauth " + "=x", "x=1; recipes_slack_oauth=wrong; "
                        + "recipes_slack_oauth=" + state.split("\\.")[0])) {
            HttpResponse<String> page = get(plain, callback, cookie);
            assertThat(page.statusCode()).as(cookie).isEqualTo(400);
        }
        assertThat(exchanges()).isZero();
    }

    @Test
    void aStartPageCookieIsHttpOnlyLaxAndScopedToTheInstallPages() throws Exception {
        HttpResponse<String> start = get(browser(), rig.base() + "/oauth/slack/start");
        String cookie = start.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax")
                .contains("Path=/oauth/slack/");
        assertThat(cookieNonce(start)).hasSize(22);
        assertThat(start.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void lineBreaksInParametersDoNotBecomeHeaders() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        String injected = "%0d%0aSet-Cookie:%20pwned=1%0d%0aX-Injected:%201";
        HttpResponse<String> denied = get(browser, rig.base()
                + "/oauth/slack/callback?error=access_denied" + injected + "&state=x");
        HttpResponse<String> code = get(browser, callback.replaceFirst("code=",
                "code=" + injected));
        for (HttpResponse<String> page : List.of(denied, code)) {
            assertThat(page.headers().map()).doesNotContainKey("X-Injected")
                    .doesNotContainKey("x-injected");
            assertThat(page.headers().allValues("Set-Cookie")).noneMatch(
                    value -> value.contains("pwned"));
        }
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(denied.body()).contains("&#39;unknown&#39;").doesNotContain("Set-Cookie");
    }

    @Test
    void markupInTheErrorParameterIsNotEchoed() throws Exception {
        HttpResponse<String> page = get(browser(), rig.base() + "/oauth/slack/callback"
                + "?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).doesNotContain("<script").contains("&#39;unknown&#39;");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'none'");
    }

    @Test
    void markupInSlacksErrorCodeIsEscapedOnThePage() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        rig.slack.answerNext(200, "{\"ok\":false,\"error\":\"<img src=x onerror=alert(1)>\"}");
        HttpResponse<String> page = get(browser, callback);
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).doesNotContain("<img").contains("&lt;img");
        assertThat(rig.store.list("slack")).isEmpty();
    }

    @Test
    void markupInTheTeamNameIsEscapedOnTheSuccessPage() throws Exception {
        HttpResponse<String> page = rig.install("T0EVIL001",
                "<script>alert('x')</script>\"><b onmouseover=1>");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).doesNotContain("<script").doesNotContain("<b ")
                .contains("&lt;script&gt;");
        assertThat(rig.store.find("slack", "t0evil001")).isPresent();
    }

    @Test
    void anErrorParameterWithACodeStillExchangesNothing() throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        HttpResponse<String> page = get(browser, callback + "&error=access_denied");
        assertRefusedWithoutExchange(page, 403);
    }
}
