package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.CLOCK;
import static dev.recipes.slack.SlackFixture.NOW;
import static dev.recipes.slack.SlackFixture.resource;
import static dev.recipes.slack.SlackFixture.signedHeaders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import org.junit.jupiter.api.Test;

/** How the Slack service finds its signing secret, starts, and is found. */
final class SlackServiceTest {

    private static final Secret CONFIGURED = Secret.of("configured-signing-secret-000000");
    private static final Secret BY_HAND = Secret.of("hand-given-signing-secret-1111111");

    private final byte[] body = resource("url-verification.json");

    @Test
    void readsTheSigningSecretFromEngineConfig() {
        try (RecipeEngine engine = engine(new SlackService())) {
            engine.start();

            WebhookResponse response = send(engine, CONFIGURED);

            assertThat(response.status()).isEqualTo(200);
        }
    }

    @Test
    void aSecretGivenByHandWinsOverConfig() {
        try (RecipeEngine engine = engine(SlackService.withSigningSecret(BY_HAND))) {
            engine.start();

            WebhookResponse byHand = send(engine, BY_HAND);
            WebhookResponse configured = send(engine, CONFIGURED);

            assertThat(byHand.status()).isEqualTo(200);
            assertThat(configured.status()).isEqualTo(401);
        }
    }

    @Test
    void failsToStartWithoutASigningSecret() {
        try (RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new SlackService()).build()) {

            assertThatThrownBy(engine::start)
                    .isInstanceOf(RecipeException.class)
                    .hasMessageContaining("service 'slack'")
                    .hasMessageContaining("'slack.signing-secret'");
        }
    }

    @Test
    void treatsAnEmptyConfiguredSecretAsMissing() {
        try (RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new SlackService()).config("slack.signing-secret", "").build()) {

            assertThatThrownBy(engine::start).isInstanceOf(RecipeException.class);
        }
    }

    @Test
    void isFoundByServiceLoader() {
        try (RecipeEngine engine = RecipeEngine.builder()
                .config("slack.signing-secret", CONFIGURED.reveal()).clock(CLOCK).build()) {
            engine.start();

            WebhookResponse response = send(engine, CONFIGURED);

            assertThat(engine.services()).contains("slack");
            assertThat(response.status()).isEqualTo(200);
        }
    }

    @Test
    void servesOneEngineOnly() {
        SlackService service = SlackService.withSigningSecret(BY_HAND);
        try (RecipeEngine first = engine(service); RecipeEngine second = engine(service)) {
            first.start();

            assertThatThrownBy(second::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already started");
        }
    }

    @Test
    void answers503BeforeItIsStarted() {
        SlackService service = new SlackService();

        WebhookResponse response = service.webhook().orElseThrow().handle(
                WebhookRequest.post("/hooks/slack", signedHeaders(CONFIGURED, NOW, body), body));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.headers()).containsKey("Retry-After");
    }

    @Test
    void neverShowsItsSecret() {
        SlackService service = SlackService.withSigningSecret(BY_HAND);

        assertThat(service.toString()).doesNotContain(BY_HAND.reveal()).contains("by hand");
        assertThat(new SlackService().toString()).contains("slack.signing-secret");
    }

    private static RecipeEngine engine(SlackService service) {
        return RecipeEngine.builder()
                .discoverServices(false)
                .service(service)
                .config("slack.signing-secret", CONFIGURED.reveal())
                .clock(CLOCK)
                .build();
    }

    private WebhookResponse send(RecipeEngine engine, Secret secret) {
        return engine.webhooks().handle(
                WebhookRequest.post("/hooks/slack", signedHeaders(secret, NOW, body), body));
    }
}
