package dev.recipes.core.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Slack's documented signing example beside the other schemes' vectors, secret rotation, the
 * two-sided replay window and malformed headers.
 */
final class SlackSignatureTest {

    /** Slack's published example: a slash command body of 362 bytes (PROVIDERS.md, S1). */
    private static final Secret DOCS_SECRET = Secret.of("8f742231b10e8888abcd99yyyzzz85a5");
    private static final long DOCS_TIMESTAMP = 1_531_420_618L;
    private static final byte[] DOCS_BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J"
            + "&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
            + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
            + "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2"
            + "c447fce8b6703c").getBytes(StandardCharsets.UTF_8);
    private static final String DOCS_SIGNATURE =
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private static final Clock DOCS_CLOCK =
            Clock.fixed(Instant.ofEpochSecond(DOCS_TIMESTAMP), ZoneOffset.UTC);

    @Test
    void signsAsSlackDocuments() {
        assertThat(DOCS_BODY).hasSize(362);

        assertThat(SlackSignature.of(DOCS_SECRET).sign(DOCS_TIMESTAMP, DOCS_BODY))
                .isEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void verifiesTheDocumentedRequestAtItsTime() {
        WebhookRequest request = WebhookRequest.post("/hooks/slack", Map.of(
                "x-slack-request-timestamp", Long.toString(DOCS_TIMESTAMP),
                "X-Slack-Signature", DOCS_SIGNATURE), DOCS_BODY);

        assertThatCode(() -> SlackSignature.of(DOCS_SECRET).withClock(DOCS_CLOCK).verify(request))
                .doesNotThrowAnyException();
    }

    @Test
    void verifiesUnderASecretBeingRotatedOut() {
        SlackSignature rotating = SlackSignature.of(Secret.of("the new secret"), DOCS_SECRET)
                .withClock(DOCS_CLOCK);

        assertThatCode(() -> rotating.verify(Long.toString(DOCS_TIMESTAMP), DOCS_SIGNATURE,
                DOCS_BODY)).doesNotThrowAnyException();
        assertThat(rotating.sign(DOCS_TIMESTAMP, DOCS_BODY))
                .as("the first secret signs")
                .isNotEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void rejectsASignatureNoneOfTheSecretsMade() {
        SlackSignature scheme = SlackSignature.of(List.of(Secret.of("one"), Secret.of("two")))
                .withClock(DOCS_CLOCK);

        assertThatThrownBy(() -> scheme.verify(Long.toString(DOCS_TIMESTAMP), DOCS_SIGNATURE,
                DOCS_BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessage("slack signature: does not match the body under any of the 2 "
                        + "secrets");
    }

    @Test
    void rejectsTimestampsOutsideTheWindowOnBothSides() {
        SlackSignature scheme = SlackSignature.of(DOCS_SECRET).withClock(DOCS_CLOCK)
                .withWindow(Duration.ofMinutes(5));
        long past = DOCS_TIMESTAMP - 301;
        long future = DOCS_TIMESTAMP + 301;

        assertThatThrownBy(() -> scheme.verify(Long.toString(past),
                scheme.sign(past, DOCS_BODY), DOCS_BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("301 s old");
        assertThatThrownBy(() -> scheme.verify(Long.toString(future),
                scheme.sign(future, DOCS_BODY), DOCS_BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("301 s in the future");
        assertThatCode(() -> scheme.verify(Long.toString(DOCS_TIMESTAMP - 300),
                scheme.sign(DOCS_TIMESTAMP - 300, DOCS_BODY), DOCS_BODY))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsMalformedHeaders() {
        SlackSignature scheme = SlackSignature.of(DOCS_SECRET).withClock(DOCS_CLOCK);
        String timestamp = Long.toString(DOCS_TIMESTAMP);

        assertThatThrownBy(() -> scheme.verify("-5", DOCS_SIGNATURE, DOCS_BODY))
                .hasMessageContaining("is not Unix seconds");
        assertThatThrownBy(() -> scheme.verify(timestamp, DOCS_SIGNATURE.toUpperCase(),
                DOCS_BODY)).hasMessageContaining("v0=<64 lowercase hex digits>");
        assertThatThrownBy(() -> scheme.verify(timestamp, "v1=" + DOCS_SIGNATURE.substring(3),
                DOCS_BODY)).hasMessageContaining("v0=<64 lowercase hex digits>");
        assertThatThrownBy(() -> scheme.verify(WebhookRequest.post("/hooks/slack",
                Map.of("X-Slack-Signature", DOCS_SIGNATURE), DOCS_BODY)))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("X-Slack-Request-Timestamp is missing");
    }

    @Test
    void refusesBadArguments() {
        assertThatThrownBy(() -> SlackSignature.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlackSignature.of(DOCS_SECRET, (Secret) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("index 1");
        assertThatThrownBy(() -> SlackSignature.of(DOCS_SECRET).withWindow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsNoSecret() {
        String shown = SlackSignature.of(DOCS_SECRET, Secret.of("older")).toString();

        assertThat(shown).contains("2 secret(s)").doesNotContain("8f742231")
                .doesNotContain("older");
    }
}
