package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Slack's published signing example (PROVIDERS.md, vector S1), directly and through the engine. */
final class SlackDocumentedVectorTest {

    private static final String DOCS_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final long DOCS_TIMESTAMP = 1_531_420_618L;
    private static final String DOCS_SIGNATURE =
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private static final Clock DOCS_CLOCK =
            Clock.fixed(Instant.ofEpochSecond(DOCS_TIMESTAMP), ZoneOffset.UTC);

    private final byte[] body = SlackFixture.resource("s1-slash-command.txt");

    @Test
    void bodyIsTheDocumented362Bytes() {
        assertThat(body).hasSize(362);
    }

    @Test
    void signsAsSlackDocuments() {
        String signature = SlackSignature.of(Secret.of(DOCS_SECRET)).sign(DOCS_TIMESTAMP, body);

        assertThat(signature).isEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void verifiesWithAClockAtTheDocumentedTime() {
        SlackSignature scheme = SlackSignature.of(Secret.of(DOCS_SECRET)).withClock(DOCS_CLOCK);

        assertThatCode(() -> scheme.verify(Long.toString(DOCS_TIMESTAMP), DOCS_SIGNATURE, body))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsTheDocumentedRequestAsStaleWithTheRealClock() {
        SlackSignature scheme = SlackSignature.of(Secret.of(DOCS_SECRET));

        assertThatThrownBy(() -> scheme.verify(Long.toString(DOCS_TIMESTAMP), DOCS_SIGNATURE,
                body))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("replay window");
    }

    @Test
    void serviceAcceptsTheDocumentedSlashCommand() throws InterruptedException {
        try (RecipeEngine engine = engine(DOCS_CLOCK)) {
            List<Event> published = new CopyOnWriteArrayList<>();
            engine.bus().subscribe(Trigger.topicFor("slack.slash_command"), "test",
                    published::add);
            engine.start();

            WebhookResponse response = engine.webhooks().handle(documentedRequest());

            assertThat(response.status()).isEqualTo(200);
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(published).singleElement().satisfies(event -> {
                assertThat(event.data().path("command").asText()).isEqualTo("/webhook-collect");
                assertThat(event.data().path("response_url").asText()).isEqualTo(
                        "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
                                + "96rGlfmibIGlgcZRskXaIFfN");
                assertThat(event.data().has("token")).isFalse();
                assertThat(event.subject()).isEqualTo("G8PSS9T3V");
                assertThat(Slack.slashCommand("/webhook-collect").inTeam("T1DC2JH3J")
                        .matches(event)).isTrue();
            });
        }
    }

    @Test
    void serviceRefusesTheDocumentedRequestWithTheRealClock() {
        try (RecipeEngine engine = engine(Clock.systemUTC())) {
            engine.start();

            WebhookResponse response = engine.webhooks().handle(documentedRequest());

            assertThat(response.status()).isEqualTo(401);
        }
    }

    private static RecipeEngine engine(Clock clock) {
        return RecipeEngine.builder()
                .discoverServices(false)
                .service(new SlackService())
                .config("slack.signing-secret", DOCS_SECRET)
                .clock(clock)
                .build();
    }

    private WebhookRequest documentedRequest() {
        return WebhookRequest.post("/hooks/slack", Map.of(
                "Content-Type", "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp", Long.toString(DOCS_TIMESTAMP),
                "X-Slack-Signature", DOCS_SIGNATURE), body);
    }
}
