package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class SettingsTest {

    @Test
    void noVariableSetMeansTheDemo() {
        assertThat(Settings.fromEnvironment(Map.of("HOME", "/root", "SHEET_ID", " ")))
                .isEmpty();
    }

    @Test
    void readsEveryVariableWithDefaults() {
        Settings settings = Settings.fromEnvironment(Map.of(
                "SLACK_SIGNING_SECRET", "s3cr3t-signing",
                "GOOGLE_SERVICE_ACCOUNT_JSON", "/keys/sa.json",
                "SHEET_ID", "1AbC")).orElseThrow();

        assertThat(settings.host()).isEqualTo("0.0.0.0");
        assertThat(settings.port()).isEqualTo(8080);
        assertThat(settings.keyFile()).isEqualTo(Path.of("/keys/sa.json"));
        assertThat(settings.range()).isEqualTo(Settings.DEFAULT_RANGE);
        assertThat(settings.sheetsApiUrl()).isNull();
        assertThat(settings.signingSecret().reveal()).isEqualTo("s3cr3t-signing");
        assertThat(settings.toString()).doesNotContain("s3cr3t-signing");
    }

    @Test
    void someButNotAllRequiredVariablesIsAnErrorNamingTheMissingOnes() {
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of("RECIPE_HTTP_PORT", "9000",
                "SHEET_ID", "1AbC")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("SLACK_SIGNING_SECRET, GOOGLE_SERVICE_ACCOUNT_JSON are "
                        + "not set");
    }

    @Test
    void refusesAPortThatIsNotOne() {
        Map<String, String> base = Map.of("SLACK_SIGNING_SECRET", "s", "SHEET_ID", "1",
                "GOOGLE_SERVICE_ACCOUNT_JSON", "/k.json", "RECIPE_HTTP_PORT", "eighty");

        assertThatThrownBy(() -> Settings.fromEnvironment(base))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("'eighty'");
    }

    @Test
    void runsAloneUnlessARedisUrlIsGiven() {
        Settings alone = Settings.fromEnvironment(required()).orElseThrow();

        assertThat(alone.redis()).isNull();
        assertThat(alone.keyColumn()).isNull();
    }

    @Test
    void readsTheRedisSettingsAndKeepsThePasswordOutOfToString() {
        Map<String, String> env = new HashMap<>(required());
        env.put("RECIPE_REDIS_URL", "redis://:hunter2-redis@127.0.0.1:6390/2");
        env.put("RECIPE_REDIS_PREFIX", "sales:");
        env.put("RECIPE_REDIS_CLAIM_IDLE", "45");
        env.put("RECIPE_ACTION_LEASE", "PT3M");
        env.put("SHEET_KEY_COLUMN", "e");

        Settings settings = Settings.fromEnvironment(env).orElseThrow();

        assertThat(settings.redis().url()).isEqualTo(
                URI.create("redis://:hunter2-redis@127.0.0.1:6390/2"));
        assertThat(settings.redis().prefix()).isEqualTo("sales:");
        assertThat(settings.redis().claimIdle()).isEqualTo(Duration.ofSeconds(45));
        assertThat(settings.redis().actionLease()).isEqualTo(Duration.ofMinutes(3));
        assertThat(settings.keyColumn()).isEqualTo("e");
        assertThat(settings.toString()).contains("127.0.0.1:6390", "sales:")
                .doesNotContain("hunter2-redis");
    }

    @Test
    void refusesRedisSettingsThatCannotBeUsed() {
        assertThatThrownBy(() -> Settings.fromEnvironment(with("RECIPE_REDIS_URL",
                "http://127.0.0.1:6379")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("RECIPE_REDIS_URL").hasMessageContaining("'http'");
        assertThatThrownBy(() -> Settings.fromEnvironment(with("RECIPE_REDIS_URL",
                "redis://bad host")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("RECIPE_REDIS_URL: not a URL");
        assertThatThrownBy(() -> Settings.fromEnvironment(with("RECIPE_REDIS_CLAIM_IDLE", "5")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("RECIPE_REDIS_URL is not");
        Map<String, String> badLease = new HashMap<>(with("RECIPE_REDIS_URL",
                "redis://127.0.0.1:6379"));
        badLease.put("RECIPE_ACTION_LEASE", "soon");
        assertThatThrownBy(() -> Settings.fromEnvironment(badLease))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("RECIPE_ACTION_LEASE: 'soon' is not a duration");
        badLease.put("RECIPE_ACTION_LEASE", "PT0S");
        assertThatThrownBy(() -> Settings.fromEnvironment(badLease))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("must be positive");
    }

    private static Map<String, String> required() {
        return Map.of("SLACK_SIGNING_SECRET", "s", "SHEET_ID", "1",
                "GOOGLE_SERVICE_ACCOUNT_JSON", "/k.json");
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = new HashMap<>(required());
        env.put(name, value);
        return env;
    }
}
