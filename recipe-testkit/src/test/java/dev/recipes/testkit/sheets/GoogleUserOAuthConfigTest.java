package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.sheets.GoogleSheetsService;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration of user OAuth is checked when the engine starts. */
final class GoogleUserOAuthConfigTest {

    private static final String CALLBACK = "https://app.example.com/oauth/google-sheets/callback";

    private static void start(Map<String, String> config) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new GoogleSheetsService());
        config.forEach((key, value) -> builder.config("google-sheets." + key, value));
        RecipeEngine engine = builder.build();
        try {
            engine.start();
        } finally {
            engine.close();
        }
    }

    @Test
    void aFullConfigurationStarts() {
        assertThatCode(() -> start(Map.of("client-id", "1234-abc.apps.googleusercontent.com",
                "client-secret", "s", "oauth-redirect-uri", CALLBACK,
                "oauth-scopes", "openid, email https://www.googleapis.com/auth/drive.file",
                "oauth-state-lifetime", "PT5M"))).doesNotThrowAnyException();
    }

    @Test
    void oauthKeysWithoutTheClientIdAreRefused() {
        assertThatThrownBy(() -> start(Map.of("oauth-redirect-uri", CALLBACK)))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("'google-sheets.client-id' is not");
    }

    @Test
    void theClientIdWithoutItsSecretIsRefused() {
        assertThatThrownBy(() -> start(Map.of("client-id", "abc")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("'google-sheets.client-secret' is not");
    }

    @Test
    void aRedirectUriElsewhereOrInClearTextIsRefused() {
        assertThatThrownBy(() -> start(Map.of("client-id", "abc", "client-secret", "s",
                "oauth-redirect-uri", "https://app.example.com/callback")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("does not end with /oauth/google-sheets/callback");
        assertThatThrownBy(() -> start(Map.of("client-id", "abc", "client-secret", "s",
                "oauth-redirect-uri", "http://app.example.com/oauth/google-sheets/callback")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("is not an https URL");
    }

    @Test
    void badScopesAndLifetimesAreRefused() {
        assertThatThrownBy(() -> start(Map.of("client-id", "abc", "client-secret", "s",
                "oauth-scopes", " , ")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("lists no scope");
        assertThatThrownBy(() -> start(Map.of("client-id", "abc", "client-secret", "s",
                "oauth-scopes", "spread<sheets>")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("not an OAuth scope");
        assertThatThrownBy(() -> start(Map.of("client-id", "abc", "client-secret", "s",
                "oauth-state-lifetime", "PT2H")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("out of range");
    }
}
