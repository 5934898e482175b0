package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * A Slack signature verifies if and only if the body, the timestamp and the secret are the ones
 * it was made with, for any body, including multi-byte UTF-8.
 */
final class SlackSignatureProperties {

    /** What a property changes between signing and verifying. */
    enum Change { NOTHING, BODY, TIMESTAMP, SECRET }

    private final ObjectMapper json = new ObjectMapper();
    private SlackFixture slack;

    @AfterProperty
    void closeEngine() {
        if (slack != null) {
            slack.close();
        }
    }

    @Property
    void verifiesIffBodyTimestampAndSecretAreUnchanged(
            @ForAll("bodies") String text,
            @ForAll("secrets") String secretValue,
            @ForAll @LongRange(min = 1_000_000_000L, max = 9_999_999_999L) long timestamp,
            @ForAll Change change,
            @ForAll @IntRange(min = 0, max = 10_000) int where) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        Secret secret = Secret.of(secretValue);
        String signature = SlackSignature.of(secret).sign(timestamp, body);
        Clock clock = Clock.fixed(Instant.ofEpochSecond(timestamp), ZoneOffset.UTC);

        Secret verifyingSecret = change == Change.SECRET ? otherSecret(secretValue) : secret;
        String presentedTimestamp = change == Change.TIMESTAMP
                ? Long.toString(timestamp + 1 + where % 300) : Long.toString(timestamp);
        byte[] presentedBody = change == Change.BODY ? mutate(body, where) : body;
        SlackSignature verifier = SlackSignature.of(verifyingSecret).withClock(clock);

        if (change == Change.NOTHING) {
            assertThatCode(() -> verifier.verify(presentedTimestamp, signature, presentedBody))
                    .doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> verifier.verify(presentedTimestamp, signature,
                    presentedBody))
                    .isInstanceOf(SignatureException.class)
                    .hasMessageContaining("does not match");
        }
    }

    @Property(tries = 200)
    void serviceAnswersTheChallengeIffTheSignedBytesArriveUnchanged(
            @ForAll("bodies") String challenge,
            @ForAll boolean tamper,
            @ForAll @IntRange(min = 0, max = 10_000) int where) throws Exception {
        byte[] body = json.writeValueAsBytes(Map.of("type", "url_verification",
                "challenge", "c" + challenge));
        Map<String, String> headers =
                SlackFixture.signedHeaders(SlackFixture.SECRET, SlackFixture.NOW, body);

        WebhookResponse response = engine().post(headers, tamper ? mutate(body, where) : body);

        if (tamper) {
            assertThat(response.status()).isEqualTo(401);
        } else {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.bodyText()).isEqualTo("c" + challenge);
        }
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().ascii().ofMaxLength(24),
                Arbitraries.strings().withCharRange('\u00a0', '\u07ff').ofMaxLength(6),
                Arbitraries.strings().withCharRange('\u4e00', '\u9fff').ofMaxLength(6),
                Arbitraries.of("é", "e\u0301", "😀", "👍🏽", "\\u00e9", "  ", "\n", "%2A",
                        "{\"a\": 1}"));
        return piece.list().ofMaxSize(16).map(pieces -> String.join("", pieces));
    }

    @Provide
    Arbitrary<String> secrets() {
        return Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(80),
                Arbitraries.strings().withCharRange('\u00a0', '\u9fff').ofMinLength(1)
                        .ofMaxLength(20));
    }

    // Appending a character other than U+0000 gives another HMAC key: HMAC pads short keys
    // with zero bytes, so only a trailing NUL would leave the key the same.
    private static Secret otherSecret(String value) {
        return Secret.of(value + "x");
    }

    // Flips a bit of one byte, or appends one byte to an empty body.
    private static byte[] mutate(byte[] body, int where) {
        if (body.length == 0) {
            return new byte[] {(byte) where};
        }
        byte[] changed = Arrays.copyOf(body, body.length);
        changed[where % body.length] ^= (byte) (1 << (where % 8));
        return changed;
    }

    private SlackFixture engine() {
        if (slack == null) {
            slack = SlackFixture.start();
        }
        return slack;
    }
}
