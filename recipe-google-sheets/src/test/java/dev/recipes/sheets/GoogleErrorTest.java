package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class GoogleErrorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsQuotaErrorWithErrorInfoReason() {
        GoogleError error = parse(429, PayloadFixture.read("error-429-quota.json"));

        assertThat(error.status()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(error.reasons()).containsExactly("RATE_LIMIT_EXCEEDED");
        assertThat(error.isRateLimit()).isTrue();
        assertThat(error.describe()).startsWith("429 RESOURCE_EXHAUSTED: Quota exceeded for ");
    }

    @Test
    void readsLegacyReasons() {
        GoogleError error = parse(403, PayloadFixture.read("error-403-rate-limit-legacy.json"));

        assertThat(error.reasons()).containsExactly("userRateLimitExceeded");
        assertThat(error.isRateLimit()).isTrue();
    }

    @Test
    void permissionDeniedIsNoRateLimit() {
        GoogleError error = parse(403, PayloadFixture.read("error-403-permission.json"));

        assertThat(error.isRateLimit()).isFalse();
        assertThat(error.describe())
                .isEqualTo("403 PERMISSION_DENIED: The caller does not have permission");
    }

    @Test
    void bodyThatIsNotGoogleJson_givesStatusOnly() {
        GoogleError error = parse(502, "<html>Bad Gateway</html>");

        assertThat(error.describe())
                .isEqualTo("502: no Google error details in the response");
    }

    @Test
    void cleansControlCharactersAndCutsLongMessages() {
        String longMessage = "x".repeat(600);

        GoogleError error = parse(400, "{\"error\":{\"code\":400,\"message\":\"a\\nb\\u0000"
                + longMessage + "\"}}");

        assertThat(error.message()).startsWith("a b ").endsWith("...").hasSize(503);
    }

    @Test
    void readsOAuthError() {
        OAuthError error = OAuthError.parse(PayloadFixture.read(
                "token-invalid-grant-signature.json").getBytes(StandardCharsets.UTF_8), JSON);

        assertThat(error.describe()).isEqualTo("invalid_grant: Invalid JWT Signature.");
    }

    @Test
    void oauthBodyOfAnotherShape_givesEmptyError() {
        OAuthError error = OAuthError.parse(PayloadFixture.read("error-404.json")
                .getBytes(StandardCharsets.UTF_8), JSON);

        assertThat(error.describe()).isEqualTo("no OAuth error details in the response");
    }

    private static GoogleError parse(int status, String body) {
        return GoogleError.parse(status, body.getBytes(StandardCharsets.UTF_8), JSON);
    }
}
