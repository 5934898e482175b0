package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/** Talks to a fake Sheets server over HTTP as Google's clients do, for the fake's own tests. */
final class FakeClientFixture {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeClientFixture() {
    }

    /** Exchanges a JWT issued at {@code now} for an access token, and checks it was given. */
    static String accessToken(FakeSheetsServer fake, TestServiceAccount account, Instant now)
            throws Exception {
        String jwt = JwtFixture.sign(JwtFixture.claims(account.clientEmail(), fake.tokenUrl(),
                now.getEpochSecond() - 30, now.getEpochSecond() + 3570), account.privateKey());
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(fake.tokenUrl()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(JwtFixture.form(jwt)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    /** Checks an answer is Google's error JSON with this code and status. */
    static void assertGoogleError(HttpResponse<String> response, int code, String status)
            throws Exception {
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(response.statusCode()).isEqualTo(code);
        assertThat(error.path("code").asInt()).isEqualTo(code);
        assertThat(error.path("status").asText()).isEqualTo(status);
        assertThat(error.path("message").asText()).isNotBlank();
    }
}
