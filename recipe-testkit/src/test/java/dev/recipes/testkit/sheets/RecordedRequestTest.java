package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a recorded request shows of itself, as it would appear in an assertion message. */
final class RecordedRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String JWT_BEARER =
            "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";

    @Test
    void toStringMasksTheBearerTokenButKeepsTheScheme() {
        RecordedRequest request = new RecordedRequest("POST",
                "/v4/spreadsheets/1AbC/values/Log%21A1:append", "valueInputOption=RAW",
                Map.of("Authorization", List.of("Bearer ya29.secret-token"),
                        "Content-Type", List.of("application/json")),
                "{\"values\":[[\"order #42\"]]}");

        String shown = request.toString();

        assertThat(shown).doesNotContain("ya29.secret-token")
                .contains("authorization=[Bearer ***]")
                .contains("content-type=[application/json]")
                .contains("?valueInputOption=RAW")
                .contains("{\"values\":[[\"order #42\"]]}");
        assertThat(request.header("Authorization")).contains("Bearer ya29.secret-token");
    }

    @Test
    void toStringMasksTheAssertionOfATokenRequest() {
        RecordedRequest request = new RecordedRequest("POST", FakeSheetsServer.TOKEN_PATH, null,
                Map.of(), "grant_type=" + JWT_BEARER + "&assertion=eyJhbGciOi.eyJpc3Mi.c2ln");

        String shown = request.toString();

        assertThat(shown).doesNotContain("eyJ")
                .contains("body grant_type=" + JWT_BEARER + "&assertion=***");
        assertThat(request.body()).endsWith("assertion=eyJhbGciOi.eyJpc3Mi.c2ln");
    }

    @Test
    void toStringMasksATokenRequestBodyThatIsNotAForm() {
        RecordedRequest request = new RecordedRequest("POST", FakeSheetsServer.TOKEN_PATH, null,
                Map.of(), "eyJhbGciOi.eyJpc3Mi.c2ln");

        assertThat(request.toString()).doesNotContain("eyJ").endsWith("body ***]");
    }

    @Test
    void toStringMasksCookiesAndTokensInTheQuery() {
        RecordedRequest request = new RecordedRequest("POST", "/v4/spreadsheets/1AbC/values/"
                + "Log:append", "valueInputOption=RAW&access%5Ftoken=ya29.q&key=AIza-k",
                Map.of("Cookie", List.of("SID=session-secret")), "{}");

        String shown = request.toString();

        assertThat(shown).doesNotContain("ya29.q", "AIza-k", "session-secret")
                .contains("?valueInputOption=RAW&access%5Ftoken=***&key=***")
                .contains("cookie=[***]");
    }

    @Test
    void assertionMessageAboutRealRequestsShowsNoCredential() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);
        try (FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start()) {
            TestServiceAccount account = fake.newServiceAccount();
            fake.createSpreadsheet("1AbC");
            long now = clock.instant().getEpochSecond();
            String assertion = JwtFixture.sign(JwtFixture.claims(account.clientEmail(),
                    fake.tokenUrl(), now - 30, now + 3570), account.privateKey());
            String token = JSON.readTree(post(fake.tokenUrl(), "application/x-www-form-urlencoded",
                    null, JwtFixture.form(assertion)).body()).path("access_token").asText();

            post(fake.apiUrl() + "/v4/spreadsheets/1AbC/values/Log%21A1:append"
                    + "?valueInputOption=RAW", "application/json", token, "{\"values\":[[1]]}");

            assertThat(token).startsWith("ya29.");
            assertThatThrownBy(() -> assertThat(fake.requests()).isEmpty())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("assertion=***")
                    .hasMessageContaining("Bearer ***")
                    .hasMessageNotContaining(assertion)
                    .hasMessageNotContaining(token);
        }
    }

    private static HttpResponse<String> post(String url, String contentType, String token,
            String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
