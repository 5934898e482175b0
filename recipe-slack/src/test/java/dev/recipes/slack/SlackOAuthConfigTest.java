package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The OAuth install's settings: complete or refused at engine start with a clear message. */
final class SlackOAuthConfigTest {

    private static Map<String, String> complete() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("slack.client-id", "1111.2222");
        config.put("slack.client-secret", "client-secret-value");
        config.put("slack.oauth-redirect-uri", "https://recipes.example.com/oauth/slack/callback");
        config.put("slack.oauth-scopes", "chat:write");
        return config;
    }

    private static void start(Map<String, String> config) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(SlackService.withSigningSecret(Secret.of("signing")));
        config.forEach(builder::config);
        try (RecipeEngine engine = builder.build()) {
            engine.start();
        }
    }

    @Test
    void aCompleteSetUpStarts() {
        start(complete());
    }

    @ParameterizedTest
    @CsvSource({
        "slack.client-secret, 'slack.client-secret' is not; give it the app's client secret",
        "slack.oauth-redirect-uri, 'slack.oauth-redirect-uri' is not; give it the public URL",
        "slack.oauth-scopes, 'slack.oauth-scopes' is not; give it the bot scopes"})
    void aMissingPartStopsTheStartNamingIt(String missing, String message) {
        Map<String, String> config = complete();
        config.remove(missing);

        assertThatThrownBy(() -> start(config)).isInstanceOf(RecipeException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aSecretWithoutTheClientIdIsRefused() {
        Map<String, String> config = complete();
        config.remove("slack.client-id");

        assertThatThrownBy(() -> start(config)).isInstanceOf(RecipeException.class)
                .hasMessageContaining("'slack.client-secret' is set but 'slack.client-id' is not");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "slack.oauth-redirect-uri | http://recipes.example.com/oauth/slack/callback | not an https",
        "slack.oauth-redirect-uri | https://recipes.example.com/callback | does not end with",
        "slack.oauth-redirect-uri | https://u:p@example.com/oauth/slack/callback | user info",
        "slack.oauth-scopes | chat:write, Bad Scope | is not a Slack scope",
        "slack.oauth-scopes | ' , ' | lists no scope",
        "slack.oauth-state-lifetime | PT30S | out of range",
        "slack.oauth-state-lifetime | soon | is not a duration",
        "slack.client-id | 'id with spaces' | is not a Slack client id"})
    void badValuesAreRefused(String key, String value, String message) {
        Map<String, String> config = complete();
        config.put(key, value);

        assertThatThrownBy(() -> start(config)).isInstanceOf(RecipeException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("client-secret-value"));
    }

    @Test
    void plainHttpIsTakenOnLocalhost() {
        Map<String, String> config = complete();
        config.put("slack.oauth-redirect-uri", "http://127.0.0.1:8080/oauth/slack/callback");

        start(config);
    }

    @Test
    void settingsShowNoSecret() {
        assertThat(new SlackOAuthSettings("1111.2222", Secret.of("client-secret-value"),
                java.net.URI.create("https://x.example/oauth/slack/callback"), "chat:write", "",
                java.net.URI.create(SlackOAuthSettings.DEFAULT_AUTHORIZE_URL), null,
                SlackOAuthSettings.DEFAULT_STATE_LIFETIME).toString())
                .doesNotContain("client-secret-value").contains("1111.2222");
    }
}
