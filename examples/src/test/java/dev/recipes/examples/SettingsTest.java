package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeException;
import java.nio.file.Path;
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
}
