package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.testkit.MutableClock;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake Slack OAuth v2 install flow, driven over loopback HTTP by a plain client. */
final class FakeSlackOAuthTest {

    private static final String CLIENT_ID = "111.222";
    private static final String SECRET = "s3cret-abc";
    private static final String REDIRECT = "http://127.0.0.1:9/oauth/slack/callback";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final Instant NOW = Instant.parse("2026-01-05T09:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeSlackApi api = FakeSlackApi.start(clock).oauthApp(CLIENT_ID, SECRET);
    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void authorize_redirectsWithACode_andEchoesTheStateEncoded() throws Exception {
        String state = "a b&c=d/é+";

        HttpResponse<String> answer = authorize(params("client_id", CLIENT_ID,
                "scope", "chat:write,commands", "redirect_uri", REDIRECT, "state", state));

        assertThat(answer.statusCode()).isEqualTo(302);
        String location = answer.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(REDIRECT + "?code=");
        assertThat(location).doesNotContain(" ", "é", "&c=d");
        Map<String, String> query = query(location);
        assertThat(query.keySet()).containsExactly("code", "state");
        assertThat(query.get("state")).isEqualTo(state);
        assertThat(URI.create(location).getQuery()).endsWith("state=" + state);
        assertThat(api.calls(FakeSlackApi.AUTHORIZE)).singleElement().satisfies(call -> {
            assertThat(call.status()).isEqualTo(302);
            assertThat(call.ok()).isTrue();
            assertThat(call.text("client_id")).isEqualTo(CLIENT_ID);
            assertThat(call.text("scope")).isEqualTo("chat:write,commands");
            assertThat(call.text("state")).isEqualTo(state);
            assertThat(call.at()).isEqualTo(NOW);
        });
    }

    @Test
    void authorize_appendsToAnExistingQuery_andOmitsAStateNotSent() throws Exception {
        HttpResponse<String> answer = authorize(params("client_id", CLIENT_ID,
                "scope", "chat:write", "redirect_uri", REDIRECT + "?tenant=x"));

        String location = answer.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(REDIRECT + "?tenant=x&code=");
        assertThat(query(location).keySet()).containsExactly("tenant", "code");
    }

    @Test
    void denyNextInstall_redirectsWithAccessDenied_once() throws Exception {
        api.denyNextInstall();

        String denied = location(authorize(installParams("st1")));
        String approved = location(authorize(installParams("st2")));

        assertThat(denied).isEqualTo(REDIRECT + "?error=access_denied&state=st1");
        assertThat(query(approved)).containsKey("code").containsEntry("state", "st2");
        assertThat(api.calls(FakeSlackApi.AUTHORIZE)).extracting(FakeSlackApi.Call::error)
                .containsExactly("access_denied", null);
    }

    @Test
    void authorize_refusesAnUnknownClient_orAMissingRedirectUri_with400() throws Exception {
        api.denyNextInstall();

        HttpResponse<String> unknown = authorize(params("client_id", "999.999",
                "scope", "chat:write", "redirect_uri", REDIRECT));
        HttpResponse<String> noClient = authorize(params("scope", "chat:write",
                "redirect_uri", REDIRECT));
        HttpResponse<String> noRedirect = authorize(params("client_id", CLIENT_ID,
                "scope", "chat:write"));
        HttpResponse<String> badRedirect = authorize(params("client_id", CLIENT_ID,
                "scope", "chat:write", "redirect_uri", "javascript:alert(1)"));

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(unknown.headers().firstValue("Location")).isEmpty();
        assertThat(noClient.statusCode()).isEqualTo(400);
        assertThat(noRedirect.statusCode()).isEqualTo(400);
        assertThat(badRedirect.statusCode()).isEqualTo(400);
        assertThat(api.calls(FakeSlackApi.AUTHORIZE)).extracting(FakeSlackApi.Call::error)
                .containsExactly("invalid_client_id", "invalid_client_id", "bad_redirect_uri",
                        "bad_redirect_uri");
        // the refusals did not use up the pending denial
        assertThat(location(authorize(installParams("s")))).contains("error=access_denied");
    }

    @Test
    void authorize_refusesEveryClient_beforeOauthApp() throws Exception {
        try (FakeSlackApi bare = FakeSlackApi.start(clock)) {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(
                    bare.authorizeUrl() + "?" + form(installParams("s")))).GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(400);
        }
    }

    @Test
    void exchange_withBasicCredentials_answersSlacksShape_andTheTokenPosts() throws Exception {
        String code = code(installParams("s"));

        JsonNode answer = access(form("code", code, "redirect_uri", REDIRECT), true);

        assertThat(answer.path("ok").asBoolean()).isTrue();
        assertThat(answer.path("access_token").asText()).startsWith("xoxb-");
        assertThat(answer.path("token_type").asText()).isEqualTo("bot");
        assertThat(answer.path("scope").asText()).isEqualTo("chat:write,commands");
        assertThat(answer.path("bot_user_id").asText()).startsWith("U0BOT");
        assertThat(answer.path("app_id").asText()).isEqualTo("A0FAKEAPP");
        assertThat(answer.path("team").path("id").asText()).isEqualTo("T0TEST001");
        assertThat(answer.path("team").path("name").asText()).isEqualTo("Test Team");
        assertThat(answer.get("enterprise").isNull()).isTrue();
        assertThat(answer.path("is_enterprise_install").isBoolean()).isTrue();
        assertThat(answer.path("is_enterprise_install").asBoolean()).isFalse();
        assertThat(answer.path("authed_user").path("id").asText()).isEqualTo("U0INSTALL1");
        assertThat(answer.has("expires_in")).isFalse();
        assertThat(answer.has("refresh_token")).isFalse();
        String token = answer.path("access_token").asText();
        assertThat(api.installs()).singleElement().satisfies(install -> {
            assertThat(install.teamId()).isEqualTo("T0TEST001");
            assertThat(install.enterpriseId()).isNull();
            assertThat(install.botToken()).isEqualTo(token);
            assertThat(install.refreshToken()).isNull();
            assertThat(install.at()).isEqualTo(NOW);
        });
        assertThat(api.botTokenOf("T0TEST001")).contains(token);
        assertThat(post(token).path("ok").asBoolean()).isTrue();
        assertThat(api.calls(FakeSlackApi.OAUTH_ACCESS)).singleElement().satisfies(call -> {
            assertThat(call.ok()).isTrue();
            assertThat(call.body().path(FakeSlackApi.BASIC_AUTH_FIELD).asBoolean()).isTrue();
            assertThat(call.body().has("client_secret")).isFalse();
        });
    }

    @Test
    void exchange_withFormCredentials_works_andIsRecordedAsSuch() throws Exception {
        String code = code(installParams("s"));

        JsonNode answer = access(form("code", code, "redirect_uri", REDIRECT,
                "client_id", CLIENT_ID, "client_secret", SECRET), false);

        assertThat(answer.path("ok").asBoolean()).isTrue();
        assertThat(post(answer.path("access_token").asText()).path("ok").asBoolean()).isTrue();
        assertThat(api.calls(FakeSlackApi.OAUTH_ACCESS)).singleElement().satisfies(call -> {
            assertThat(call.body().path(FakeSlackApi.BASIC_AUTH_FIELD).isBoolean()).isTrue();
            assertThat(call.body().path(FakeSlackApi.BASIC_AUTH_FIELD).asBoolean()).isFalse();
        });
    }

    @Test
    void exchange_withUserScope_givesAUserToken() throws Exception {
        Map<String, String> params = installParams("s");
        params.put("user_scope", "search:read");
        String code = code(params);

        JsonNode user = access(form("code", code, "redirect_uri", REDIRECT), true)
                .path("authed_user");

        assertThat(user.path("id").asText()).isEqualTo("U0INSTALL1");
        assertThat(user.path("scope").asText()).isEqualTo("search:read");
        assertThat(user.path("access_token").asText()).startsWith("xoxp-");
        assertThat(user.path("token_type").asText()).isEqualTo("user");
    }

    @Test
    void exchange_errors_areSlacksCodes() throws Exception {
        String code = code(installParams("s"));
        String good = form("code", code, "redirect_uri", REDIRECT);

        assertThat(error(good, "999.999", SECRET)).isEqualTo("invalid_client_id");
        assertThat(error(good, null, null)).isEqualTo("invalid_client_id");
        assertThat(error(good, CLIENT_ID, "wrong")).isEqualTo("bad_client_secret");
        assertThat(error(form("code", code, "redirect_uri", REDIRECT, "client_id", CLIENT_ID,
                "client_secret", "wrong"), null, null)).isEqualTo("bad_client_secret");
        assertThat(error(form("code", code, "redirect_uri", REDIRECT, "client_id", CLIENT_ID),
                null, null)).isEqualTo("bad_client_secret");
        assertThat(error(form("code", "nope", "redirect_uri", REDIRECT), CLIENT_ID, SECRET))
                .isEqualTo("invalid_code");
        assertThat(error(form("redirect_uri", REDIRECT), CLIENT_ID, SECRET))
                .isEqualTo("invalid_code");
        assertThat(error(form("code", code, "redirect_uri", REDIRECT + "/other"), CLIENT_ID,
                SECRET)).isEqualTo("bad_redirect_uri");
        assertThat(error(form("code", code), CLIENT_ID, SECRET)).isEqualTo("bad_redirect_uri");
        assertThat(error(form("grant_type", "client_credentials"), CLIENT_ID, SECRET))
                .isEqualTo("invalid_grant_type");
        assertThat(error(form("grant_type", "refresh_token", "refresh_token", "xoxe-1-nope"),
                CLIENT_ID, SECRET)).isEqualTo("invalid_refresh_token");
        assertThat(error(form("grant_type", "refresh_token"), CLIENT_ID, SECRET))
                .isEqualTo("invalid_refresh_token");
        assertThat(api.installs()).isEmpty();
        // refused exchanges did not use the code up
        assertThat(access(good, true).path("ok").asBoolean()).isTrue();
    }

    @Test
    void exchange_needsAUtf8Form() throws Exception {
        String code = code(installParams("s"));
        String body = form("code", code, "redirect_uri", REDIRECT);

        assertThat(send(body, "application/json; charset=utf-8", true).path("error").asText())
                .isEqualTo("invalid_post_type");
        assertThat(send(body, FORM + "; charset=iso-8859-1", true).path("error").asText())
                .isEqualTo("invalid_charset");
        assertThat(send(body, null, true).path("error").asText())
                .isEqualTo("missing_post_type");
        assertThat(send(body, FORM + "; charset=UTF-8", true).path("ok").asBoolean()).isTrue();
    }

    @Test
    void code_isSingleUse() throws Exception {
        String body = form("code", code(installParams("s")), "redirect_uri", REDIRECT);

        assertThat(access(body, true).path("ok").asBoolean()).isTrue();
        assertThat(access(body, true).path("error").asText()).isEqualTo("invalid_code");
        assertThat(api.installs()).hasSize(1);
    }

    @Test
    void code_expiresTenMinutesAfterIssue_byTheFakesClock() throws Exception {
        String early = code(installParams("a"));
        clock.advance(Duration.ofMinutes(9));
        String late = code(installParams("b"));
        clock.advance(Duration.ofMinutes(2));

        JsonNode expired = access(form("code", early, "redirect_uri", REDIRECT), true);
        JsonNode fresh = access(form("code", late, "redirect_uri", REDIRECT), true);

        assertThat(expired.path("error").asText()).isEqualTo("invalid_code");
        assertThat(fresh.path("ok").asBoolean()).isTrue();
    }

    @Test
    void rotation_expiresTokens_andRefreshGivesNewOnes_once() throws Exception {
        api.rotateTokens(Duration.ofHours(12));
        JsonNode installed = access(form("code", code(installParams("s")),
                "redirect_uri", REDIRECT), true);
        String first = installed.path("access_token").asText();
        String firstRefresh = installed.path("refresh_token").asText();

        assertThat(first).startsWith("xoxe.xoxb-1-");
        assertThat(firstRefresh).startsWith("xoxe-1-");
        assertThat(installed.path("expires_in").asLong()).isEqualTo(43_200L);
        assertThat(api.installs()).singleElement().satisfies(install ->
                assertThat(install.refreshToken()).isEqualTo(firstRefresh));

        clock.advance(Duration.ofHours(11));
        JsonNode refreshed = access(form("grant_type", "refresh_token",
                "refresh_token", firstRefresh), true);
        String second = refreshed.path("access_token").asText();
        String secondRefresh = refreshed.path("refresh_token").asText();

        assertThat(refreshed.path("ok").asBoolean()).isTrue();
        assertThat(second).startsWith("xoxe.xoxb-1-").isNotEqualTo(first);
        assertThat(secondRefresh).startsWith("xoxe-1-").isNotEqualTo(firstRefresh);
        assertThat(refreshed.path("expires_in").asLong()).isEqualTo(43_200L);
        assertThat(refreshed.path("token_type").asText()).isEqualTo("bot");
        assertThat(refreshed.path("team").path("id").asText()).isEqualTo("T0TEST001");
        assertThat(api.botTokenOf("T0TEST001")).contains(second);
        assertThat(post(first).path("ok").asBoolean()).isTrue();
        assertThat(access(form("grant_type", "refresh_token", "refresh_token", firstRefresh),
                true).path("error").asText())
                .isEqualTo("invalid_refresh_token");

        clock.advance(Duration.ofHours(2));

        assertThat(post(first).path("error").asText()).isEqualTo("token_expired");
        assertThat(post(second).path("ok").asBoolean()).isTrue();
        assertThat(access(form("grant_type", "refresh_token", "refresh_token", secondRefresh),
                true).path("ok").asBoolean()).isTrue();
        assertThat(api.installs()).hasSize(1);
    }

    @Test
    void enterprise_orgWideInstall_hasNoTeam() throws Exception {
        api.installIntoEnterprise("E0ORG0001", "Big Org", null, null, true);

        JsonNode answer = access(form("code", code(installParams("s")),
                "redirect_uri", REDIRECT), true);

        assertThat(answer.get("team").isNull()).isTrue();
        assertThat(answer.path("enterprise").path("id").asText()).isEqualTo("E0ORG0001");
        assertThat(answer.path("enterprise").path("name").asText()).isEqualTo("Big Org");
        assertThat(answer.path("is_enterprise_install").asBoolean()).isTrue();
        assertThat(api.installs()).singleElement().satisfies(install -> {
            assertThat(install.enterpriseId()).isEqualTo("E0ORG0001");
            assertThat(install.teamId()).isNull();
        });
        assertThat(api.botTokenOf("E0ORG0001")).contains(answer.path("access_token").asText());
    }

    @Test
    void enterprise_workspaceInstall_hasTeamAndEnterprise() throws Exception {
        api.installIntoEnterprise("E0ORG0001", "Big Org", "T0GRID001", "Grid Team", false);

        JsonNode answer = access(form("code", code(installParams("s")),
                "redirect_uri", REDIRECT), true);

        assertThat(answer.path("team").path("id").asText()).isEqualTo("T0GRID001");
        assertThat(answer.path("team").path("name").asText()).isEqualTo("Grid Team");
        assertThat(answer.path("enterprise").path("id").asText()).isEqualTo("E0ORG0001");
        assertThat(answer.path("is_enterprise_install").asBoolean()).isFalse();
        assertThat(api.botTokenOf("T0GRID001")).contains(answer.path("access_token").asText());
        assertThat(api.botTokenOf("T0TEST001")).isEmpty();
    }

    @Test
    void installTarget_isBoundToTheCode_atAuthorize() throws Exception {
        String code = code(installParams("s"));
        api.installInto("T0OTHER01", "Other Team");

        JsonNode answer = access(form("code", code, "redirect_uri", REDIRECT), true);

        assertThat(answer.path("team").path("id").asText()).isEqualTo("T0TEST001");
    }

    @Test
    void secrets_doNotShowInToString() throws Exception {
        api.rotateTokens(Duration.ofHours(12));
        String code = code(installParams("s"));
        JsonNode installed = access(form("code", code, "redirect_uri", REDIRECT,
                "client_id", CLIENT_ID, "client_secret", SECRET), false);
        String refreshToken = installed.path("refresh_token").asText();
        JsonNode refreshed = access(form("grant_type", "refresh_token",
                "refresh_token", refreshToken, "client_id", CLIENT_ID,
                "client_secret", SECRET), false);
        String shown = api.calls() + " " + api.installs();

        assertThat(refreshed.path("ok").asBoolean()).isTrue();
        assertThat(shown).doesNotContain(SECRET, code, refreshToken,
                installed.path("access_token").asText(), refreshed.path("access_token").asText());
        assertThat(shown).contains(CLIENT_ID, "***");
        // the accessors still give what was sent
        assertThat(api.calls(FakeSlackApi.OAUTH_ACCESS).get(0).text("code")).isEqualTo(code);
    }

    @Test
    void faults_applyToTheOAuthEndpoints() throws Exception {
        api.rateLimitNext(3);
        HttpResponse<String> limited = authorize(installParams("s"));
        String body = form("code", code(installParams("s")), "redirect_uri", REDIRECT);
        api.failNext("internal_error");

        JsonNode failed = access(body, true);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("3");
        assertThat(failed.path("error").asText()).isEqualTo("internal_error");
        assertThat(api.calls(FakeSlackApi.OAUTH_ACCESS)).singleElement().satisfies(call ->
                assertThat(call.error()).isEqualTo("internal_error"));
        assertThat(access(body, true).path("ok").asBoolean()).isTrue();
    }

    @Test
    void oauthArguments_areChecked() {
        assertThatThrownBy(() -> api.rotateTokens(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> api.installInto(" ", "Team"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("teamId");
        assertThatThrownBy(() -> api.installIntoEnterprise("E1", "Org", null, null, false))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("teamId");
        assertThatThrownBy(() -> api.oauthApp("id", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
    }

    private Map<String, String> installParams(String state) {
        return params("client_id", CLIENT_ID, "scope", "chat:write,commands",
                "redirect_uri", REDIRECT, "state", state);
    }

    private String code(Map<String, String> params) throws Exception {
        String code = query(location(authorize(params))).get("code");
        assertThat(code).isNotBlank();
        return code;
    }

    private HttpResponse<String> authorize(Map<String, String> params) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(api.authorizeUrl() + "?"
                + form(params))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String error(String body, String id, String secret) throws Exception {
        return access(body, id != null, id, secret).path("error").asText();
    }

    private JsonNode access(String body, boolean basic) throws Exception {
        return access(body, basic, CLIENT_ID, SECRET);
    }

    private JsonNode access(String body, boolean basic, String id, String secret)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.apiUrl()
                + "/oauth.v2.access")).header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (basic) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (id + ":" + secret).getBytes(StandardCharsets.UTF_8)));
        }
        return json.readTree(client.send(request.build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode send(String body, String contentType, boolean basic) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.apiUrl()
                + "/oauth.v2.access")).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (basic) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (CLIENT_ID + ":" + SECRET).getBytes(StandardCharsets.UTF_8)));
        }
        return json.readTree(client.send(request.build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode post(String token) throws Exception {
        return json.readTree(client.send(HttpRequest.newBuilder(URI.create(api.apiUrl()
                + "/chat.postMessage"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"channel\":\"C0A\",\"text\":\"hi\"}"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static String location(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(302);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static Map<String, String> query(String uri) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : URI.create(uri).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            fields.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return fields;
    }

    private static Map<String, String> params(String... namesAndValues) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            params.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return params;
    }

    private static String form(String... namesAndValues) {
        return form(params(namesAndValues));
    }

    private static String form(Map<String, String> params) {
        StringJoiner form = new StringJoiner("&");
        params.forEach((name, value) -> form.add(URLEncoder.encode(name, StandardCharsets.UTF_8)
                + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return form.toString();
    }
}
