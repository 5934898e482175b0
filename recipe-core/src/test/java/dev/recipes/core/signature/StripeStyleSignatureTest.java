package dev.recipes.core.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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
 * The Stripe-style header: a value computed independently with {@code openssl dgst -sha256
 * -hmac}, the two-sided window, malformed headers, several v1 values and rotation.
 */
final class StripeStyleSignatureTest {

    private static final Secret SECRET = Secret.of("whsec_recipes_test_secret");
    private static final long TIMESTAMP = 1_700_000_000L;
    private static final byte[] BODY =
            "{\"id\":\"evt_test\",\"object\":\"event\"}".getBytes(StandardCharsets.UTF_8);
    private static final String HEX =
            "fd4e84ffdf4f42c4531d95347e8a266f648000ef2c5615b09a3d340df0cf82d4";
    private static final String HEADER = "t=1700000000,v1=" + HEX;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP),
            ZoneOffset.UTC);

    private final StripeStyleSignature scheme = StripeStyleSignature.of(SECRET).withClock(CLOCK);

    @Test
    void signsTheTimestampAndBody() {
        assertThat(scheme.sign(TIMESTAMP, BODY)).isEqualTo(HEADER);
    }

    @Test
    void refusesAHeaderWithMoreSignaturesThanTheLimitEvenIfOneMatches() {
        String many = "t=1700000000" + (",v1=" + HEX).repeat(17);

        assertThatThrownBy(() -> scheme.verify(many, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("17 v1 signatures, more than 16");
        assertThatCode(() -> scheme.verify("t=1700000000" + (",v1=" + HEX).repeat(16), BODY))
                .doesNotThrowAnyException();
    }

    @Test
    void verifiesARequest() {
        WebhookRequest request = WebhookRequest.post("/hooks/stripe",
                Map.of("stripe-signature", HEADER), BODY);

        assertThatCode(() -> scheme.verify(request)).doesNotThrowAnyException();
    }

    @Test
    void rejectsWrongSecretAndTamperedBody() {
        StripeStyleSignature other = StripeStyleSignature.of(Secret.of("other")).withClock(CLOCK);
        byte[] tampered = "{\"id\":\"evt_tesT\",\"object\":\"event\"}"
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> other.verify(HEADER, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessage("stripe signature: none of the 1 v1 signatures matches the body "
                        + "under any of the 1 secret(s)");
        assertThatThrownBy(() -> scheme.verify(HEADER, tampered))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 1 v1 signatures matches");
    }

    @Test
    void rejectsATimestampSignedOverButChangedInTheHeader() {
        String moved = "t=1700000001,v1=" + HEX;

        assertThatThrownBy(() -> scheme.verify(moved, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("matches the body");
    }

    @Test
    void rejectsStaleAndFutureTimestamps() {
        StripeStyleSignature later = scheme.withClock(Clock.offset(CLOCK, Duration.ofMinutes(6)));
        StripeStyleSignature earlier =
                scheme.withClock(Clock.offset(CLOCK, Duration.ofMinutes(-6)));

        assertThatThrownBy(() -> later.verify(HEADER, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("is 360 s old, outside the 300 s replay window");
        assertThatThrownBy(() -> earlier.verify(HEADER, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("is 360 s in the future, outside the 300 s replay window");
    }

    @Test
    void aWiderWindowAcceptsAnOlderTimestamp() {
        StripeStyleSignature later = scheme.withWindow(Duration.ofMinutes(10))
                .withClock(Clock.offset(CLOCK, Duration.ofMinutes(6)));

        assertThatCode(() -> later.verify(HEADER, BODY)).doesNotThrowAnyException();
    }

    @Test
    void rejectsMissingHeader() {
        WebhookRequest request = WebhookRequest.post("/hooks/stripe", Map.of(), BODY);

        assertThatThrownBy(() -> scheme.verify(request))
                .isInstanceOf(SignatureException.class)
                .hasMessage("stripe signature: header Stripe-Signature is missing");
    }

    @Test
    void rejectsMalformedHeaders() {
        for (String bad : List.of("", "t=1700000000", "v1=" + HEX, "t=1700000000,v0=" + HEX,
                "t=1700000000;v1=" + HEX, "T=1700000000,v1=" + HEX)) {
            assertThatThrownBy(() -> scheme.verify(bad, BODY))
                    .as("header '%s'", bad)
                    .isInstanceOf(SignatureException.class)
                    .hasMessageContaining("is not of the form t=<timestamp>,v1=<hex>");
        }
        assertThatThrownBy(() -> scheme.verify("t=1700000000,t=1700000000,v1=" + HEX, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("more than one t= element");
        assertThatThrownBy(() -> scheme.verify("t=17e8,v1=" + HEX, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("timestamp '17e8' is not Unix seconds");
    }

    @Test
    void passesWhenAnyV1ValueMatchesAndIgnoresOthers() {
        String header = "t=1700000000,v1=" + "0".repeat(64) + ",v1=" + HEX.toUpperCase()
                + ",v0=" + HEX + ",v1=" + HEX + ",x=y";

        assertThatCode(() -> scheme.verify(header, BODY)).doesNotThrowAnyException();
    }

    @Test
    void acceptsASignatureMadeWithTheSecondSecret() {
        Secret fresh = Secret.of("whsec_fresh");
        StripeStyleSignature rotating = StripeStyleSignature.of(fresh, SECRET).withClock(CLOCK);
        StripeStyleSignature fromList =
                StripeStyleSignature.of(List.of(fresh, SECRET)).withClock(CLOCK);

        assertThatCode(() -> rotating.verify(HEADER, BODY)).doesNotThrowAnyException();
        assertThatCode(() -> fromList.verify(HEADER, BODY)).doesNotThrowAnyException();
        assertThat(rotating.sign(TIMESTAMP, BODY)).isNotEqualTo(HEADER);
    }

    @Test
    void neitherToStringNorMessagesShowSecretsOrTheExpectedSignature() {
        Throwable failure = catchThrowable(() ->
                scheme.verify("t=1700000000,v1=" + "0".repeat(64), BODY));

        assertThat(scheme.toString())
                .contains("StripeStyleSignature[v1")
                .doesNotContain("recipes_test_secret");
        assertThat(failure).isInstanceOf(SignatureException.class);
        assertThat(failure.getMessage()).doesNotContain("recipes_test_secret", HEX);
    }
}
