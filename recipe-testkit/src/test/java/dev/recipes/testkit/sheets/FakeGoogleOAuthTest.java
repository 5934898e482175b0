package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake Google OAuth on its own: what its authorize page and token endpoint refuse. */
final class FakeGoogleOAuthTest {

    private static final String CLIENT = "client-1";
    private static final String SECRET = "secret-1";
    private static final String REDIRECT = "http://127.0.0.1:1/oauth/google-sheets/callback";
    private static final String VERIFIER = "v".repeat(43);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final FakeGoogleOAuth google = FakeGoogleOAuth.start(clock).client(CLIENT, SECRET);
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stop() {
        google.close();
    }

    private HttpResponse<String> authorize(Map<String, String> query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(google.authorizeUrl() + "?"
                + form(query))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, String> consent() throws Exception {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", CLIENT);
        query.put("redirect_uri", REDIRECT);
        query.put("response_type", "code");
        query.put("scope", "https://www.googleapis.com/auth/spreadsheets");
        query.put("access_type", "offline");
        query.put("state", "s1");
        query.put("code_challenge", Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(VERIFIER.getBytes(
                        StandardCharsets.US_ASCII))));
        query.put("code_challenge_method", "S256");
        return query;
    }

    private String code() throws Exception {
        HttpResponse<String> back = authorize(consent());
        String location = back.headers().firstValue("Location").orElseThrow();
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            if (pair.startsWith("code=")) {
                return URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no code in " + location);
    }

    private JsonNode token(Map<String, String> params) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(google.tokenUrl()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params))).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private Map<String, String> exchange(String code) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("grant_type", "authorization_code");
        params.put("code", code);
        params.put("redirect_uri", REDIRECT);
        params.put("code_verifier", VERIFIER);
        params.put("client_id", CLIENT);
        params.put("client_secret", SECRET);
        return params;
    }

    private static String form(Map<String, String> params) {
        StringBuilder out = new StringBuilder();
        params.forEach((name, value) -> out.append(out.length() == 0 ? "" : "&").append(name)
                .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return out.toString();
    }

    @Test
    void theAuthorizePageRefusesAnUnknownClientOrAMissingChallenge() throws Exception {
        Map<String, String> unknown = consent();
        unknown.put("client_id", "other");
        Map<String, String> plain = consent();
        plain.put("code_challenge_method", "plain");

        assertThat(authorize(unknown).statusCode()).isEqualTo(400);
        assertThat(authorize(plain).statusCode()).isEqualTo(400);
        assertThat(authorize(consent()).statusCode()).isEqualTo(302);
    }

    @Test
    void aCodeIsExchangedOnceForTokens() throws Exception {
        String code = code();

        JsonNode first = token(exchange(code));
        JsonNode second = token(exchange(code));

        assertThat(first.path("access_token").asText()).startsWith("ya29.");
        assertThat(first.path("refresh_token").asText()).startsWith("1//");
        assertThat(first.path("expires_in").asInt()).isEqualTo(3599);
        assertThat(second.path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void theExchangeChecksSecretRedirectAndVerifier() throws Exception {
        Map<String, String> badSecret = exchange(code());
        badSecret.put("client_secret", "wrong");
        Map<String, String> badRedirect = exchange(code());
        badRedirect.put("redirect_uri", REDIRECT + "x");
        Map<String, String> badVerifier = exchange(code());
        badVerifier.put("code_verifier", "w".repeat(43));
        Map<String, String> noVerifier = exchange(code());
        noVerifier.remove("code_verifier");

        assertThat(token(badSecret).path("error").asText()).isEqualTo("invalid_client");
        assertThat(token(badRedirect).path("error").asText()).isEqualTo("redirect_uri_mismatch");
        assertThat(token(badVerifier).path("error_description").asText())
                .isEqualTo("Invalid code verifier.");
        assertThat(token(noVerifier).path("error_description").asText())
                .isEqualTo("Missing code verifier.");
    }

    @Test
    void aCodeExpiresAfterTenMinutes() throws Exception {
        String code = code();
        clock.advance(Duration.ofMinutes(10));

        assertThat(token(exchange(code)).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshWorksUntilTheUserRevokes() throws Exception {
        String refreshToken = token(exchange(code())).path("refresh_token").asText();
        Map<String, String> refresh = new LinkedHashMap<>();
        refresh.put("grant_type", "refresh_token");
        refresh.put("refresh_token", refreshToken);
        refresh.put("client_id", CLIENT);
        refresh.put("client_secret", SECRET);

        JsonNode fresh = token(refresh);
        google.revoke("user@example.com");
        JsonNode refused = token(refresh);

        assertThat(fresh.path("access_token").asText()).startsWith("ya29.");
        assertThat(fresh.has("refresh_token")).isFalse();
        assertThat(refused.path("error").asText()).isEqualTo("invalid_grant");
        assertThat(refused.path("error_description").asText())
                .isEqualTo("Token has been expired or revoked.");
        assertThat(google.tokenCalls("refresh_token")).extracting(
                FakeGoogleOAuth.TokenCall::ok).containsExactly(true, false);
        assertThat(google.tokenCalls().toString()).doesNotContain(SECRET)
                .doesNotContain(refreshToken);
    }
}
