package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.NOW;
import static dev.recipes.slack.SlackFixture.OBSERVED_TYPES;
import static dev.recipes.slack.SlackFixture.SECRET;
import static dev.recipes.slack.SlackFixture.signedHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import org.junit.jupiter.api.Test;

/** A regenerated signing secret rolls out while requests signed with the old one still verify. */
final class SlackSecretRotationTest {

    private static final Secret OLD = Secret.of("old-signing-secret-fedcba9876543210");

    private final byte[] body = SlackFixture.resource("message.json");

    @Test
    void acceptsTheCurrentAndThePreviousSecret() {
        try (SlackFixture slack = SlackFixture.start(builder -> builder
                .config("slack.previous-signing-secret", OLD.reveal()), OBSERVED_TYPES)) {
            WebhookResponse current = slack.post(signedHeaders(SECRET, NOW, body), body);
            WebhookResponse previous = slack.post(signedHeaders(OLD, NOW, body), body);

            assertThat(current.status()).isEqualTo(200);
            assertThat(previous.status()).isEqualTo(200);
            assertThat(slack.published()).as("one event; the second copy is a redelivery")
                    .hasSize(1);
        }
    }

    @Test
    void refusesTheOldSecretOnceItIsRemoved() {
        try (SlackFixture slack = SlackFixture.start()) {
            WebhookResponse response = slack.post(signedHeaders(OLD, NOW, body), body);

            assertThat(response.status()).isEqualTo(401);
            assertThat(slack.published()).isEmpty();
        }
    }

    @Test
    void anEmptyPreviousSecretIsIgnored() {
        try (SlackFixture slack = SlackFixture.start(builder -> builder
                .config("slack.previous-signing-secret", ""), OBSERVED_TYPES)) {
            WebhookResponse response = slack.post(signedHeaders(SECRET, NOW, body), body);

            assertThat(response.status()).isEqualTo(200);
        }
    }
}
