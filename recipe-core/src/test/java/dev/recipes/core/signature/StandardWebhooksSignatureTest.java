package dev.recipes.core.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Standard Webhooks example, the replay window, entry lists, rotation and Ed25519. */
final class StandardWebhooksSignatureTest {

    private static final String SECRET_VALUE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final Secret SECRET = Secret.of(SECRET_VALUE);
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TIMESTAMP = 1_614_265_330L;
    private static final String TS = Long.toString(TIMESTAMP);
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP),
            ZoneOffset.UTC);

    private final StandardWebhooksSignature scheme =
            StandardWebhooksSignature.of(SECRET).withClock(CLOCK);

    @Test
    void signsAsTheSpecificationExampleDoes() {
        assertThat(scheme.sign(ID, TIMESTAMP, BODY)).isEqualTo(SIGNATURE);
    }

    @Test
    void verifiesTheExampleRequest() {
        WebhookRequest request = WebhookRequest.post("/hooks/std", Map.of(
                "Webhook-Id", ID, "Webhook-Timestamp", TS, "Webhook-Signature", SIGNATURE), BODY);

        assertThatCode(() -> scheme.verify(request)).doesNotThrowAnyException();
    }

    @Test
    void refusesAHeaderWithMoreEntriesThanTheLimitEvenIfOneMatches() {
        String many = (SIGNATURE + " ").repeat(16) + SIGNATURE;

        assertThatThrownBy(() -> scheme.verify(ID, TS, many, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("17 v1 entries, more than 16");
        assertThatCode(() -> scheme.verify(ID, TS, (SIGNATURE + " ").repeat(15) + SIGNATURE,
                BODY)).doesNotThrowAnyException();
    }

    @Test
    void acceptsASecretWithoutItsPrefix() {
        StandardWebhooksSignature bare = StandardWebhooksSignature
                .of(Secret.of(SECRET_VALUE.substring("whsec_".length()))).withClock(CLOCK);

        assertThat(bare.sign(ID, TIMESTAMP, BODY)).isEqualTo(SIGNATURE);
    }

    @Test
    void rejectsWrongSecret() {
        StandardWebhooksSignature other = StandardWebhooksSignature
                .of(Secret.of("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY")).withClock(CLOCK);

        assertThatThrownBy(() -> other.verify(ID, TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessage("standard webhooks signature: none of the 1 v1 entries matches the "
                        + "message under any of the 1 key(s)");
    }

    @Test
    void rejectsTamperedBodyAndId() {
        byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> scheme.verify(ID, TS, SIGNATURE, tampered))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 1 v1 entries matches");
        assertThatThrownBy(() -> scheme.verify(ID + "x", TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 1 v1 entries matches");
    }

    @Test
    void rejectsStaleTimestamp() {
        StandardWebhooksSignature later = scheme.withClock(Clock.offset(CLOCK,
                Duration.ofSeconds(301)));

        assertThatThrownBy(() -> later.verify(ID, TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("is 301 s old, outside the 300 s replay window");
    }

    @Test
    void rejectsFutureTimestamp() {
        StandardWebhooksSignature earlier = scheme.withClock(Clock.offset(CLOCK,
                Duration.ofSeconds(-301)));

        assertThatThrownBy(() -> earlier.verify(ID, TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("is 301 s in the future, outside the 300 s replay window");
    }

    @Test
    void acceptsTimestampsAtTheEdgesOfTheWindow() {
        StandardWebhooksSignature wide = scheme.withWindow(Duration.ofSeconds(10));

        for (long offset : new long[] {-10, 10}) {
            String ts = Long.toString(TIMESTAMP + offset);
            String signature = wide.sign(ID, TIMESTAMP + offset, BODY);

            assertThatCode(() -> wide.verify(ID, ts, signature, BODY))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void rejectsMissingHeaders() {
        Map<String, String> all = Map.of(StandardWebhooksSignature.ID_HEADER, ID,
                StandardWebhooksSignature.TIMESTAMP_HEADER, TS,
                StandardWebhooksSignature.SIGNATURE_HEADER, SIGNATURE);

        for (String missing : all.keySet()) {
            Map<String, String> headers = new HashMap<>(all);
            headers.remove(missing);
            WebhookRequest request = WebhookRequest.post("/hooks/std", headers, BODY);

            assertThatThrownBy(() -> scheme.verify(request))
                    .isInstanceOf(SignatureException.class)
                    .hasMessage("standard webhooks signature: header " + missing
                            + " is missing");
        }
    }

    @Test
    void rejectsMalformedTimestampAndEmptyId() {
        for (String bad : List.of("", "-1614265330", "1614265330.5", "16142653301234", "abc")) {
            assertThatThrownBy(() -> scheme.verify(ID, bad, SIGNATURE, BODY))
                    .isInstanceOf(SignatureException.class)
                    .hasMessageContaining("is not Unix seconds");
        }
        assertThatThrownBy(() -> scheme.verify("", TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("header webhook-id is empty");
    }

    @Test
    void rejectsASignatureHeaderWithoutAV1Entry() {
        for (String bad : List.of("", "v2,abc", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                "v1=abc", "V1,abc")) {
            assertThatThrownBy(() -> scheme.verify(ID, TS, bad, BODY))
                    .as("header '%s'", bad)
                    .isInstanceOf(SignatureException.class)
                    .hasMessageContaining("has no v1 entry");
        }
    }

    @Test
    void passesWhenAnyEntryMatchesAndIgnoresOtherVersions() {
        String header = "v2,whatever v1,bm90IGEgc2lnbmF0dXJl v1,%%% " + SIGNATURE + " v1a,xyz";

        assertThatCode(() -> scheme.verify(ID, TS, header, BODY)).doesNotThrowAnyException();
    }

    @Test
    void rejectsWhenNoneOfSeveralEntriesMatches() {
        String header = "v1,bm90IGEgc2lnbmF0dXJl v1,%%% v2," + SIGNATURE.substring(3);

        assertThatThrownBy(() -> scheme.verify(ID, TS, header, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 2 v1 entries matches");
    }

    @Test
    void acceptsASignatureMadeWithTheSecondSecret() {
        Secret fresh = Secret.of("whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY");
        StandardWebhooksSignature rotating =
                StandardWebhooksSignature.of(fresh, SECRET).withClock(CLOCK);
        StandardWebhooksSignature fromList =
                StandardWebhooksSignature.of(List.of(fresh, SECRET)).withClock(CLOCK);

        assertThatCode(() -> rotating.verify(ID, TS, SIGNATURE, BODY)).doesNotThrowAnyException();
        assertThatCode(() -> fromList.verify(ID, TS, SIGNATURE, BODY)).doesNotThrowAnyException();
        assertThat(rotating.sign(ID, TIMESTAMP, BODY)).isNotEqualTo(SIGNATURE);
    }

    @Test
    void refusesSecretsThatAreNotBase64WithoutShowingThem() {
        Throwable failure = catchThrowable(() ->
                StandardWebhooksSignature.of(SECRET, Secret.of("whsec_not*base64!")));

        assertThat(failure)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret at index 1 is not non-empty base64");
        assertThat(failure.getMessage()).doesNotContain("not*base64");
        assertThatThrownBy(() -> StandardWebhooksSignature.of(Secret.of("whsec_")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAWindowShorterThanASecond() {
        assertThatThrownBy(() -> scheme.withWindow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replay window PT0S must be at least 1 second");
        assertThatThrownBy(() -> scheme.withWindow(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replay window PT0.5S must be at least 1 second");
    }

    @Test
    void escapesControlCharactersOfAHeaderInItsMessage() {
        assertThatThrownBy(() -> scheme.verify(ID, TS, "\r\nFAKE LOG LINE", BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("\\u000d\\u000aFAKE LOG LINE")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n"));
    }

    @Test
    void namesMissingArgumentsAndRefusesNegativeTimestampsToSign() {
        assertThatThrownBy(() -> scheme.verify(null, TS, SIGNATURE, BODY))
                .isInstanceOf(NullPointerException.class).hasMessage("id");
        assertThatThrownBy(() -> scheme.verify(ID, TS, SIGNATURE, null))
                .isInstanceOf(NullPointerException.class).hasMessage("body");
        assertThatThrownBy(() -> scheme.sign(ID, -5, BODY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timestamp -5 is negative");
        assertThatThrownBy(() -> StandardWebhooksSignature.signEd25519(null, ID, TIMESTAMP,
                BODY)).isInstanceOf(NullPointerException.class).hasMessage("key");
    }

    @Test
    void neitherToStringNorMessagesShowSecretsOrTheExpectedSignature() {
        String expected = SIGNATURE.substring(3);
        Throwable failure = catchThrowable(() ->
                scheme.verify(ID, TS, "v1,AAAA", BODY));

        assertThat(scheme.toString())
                .contains("StandardWebhooksSignature[v1")
                .doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(failure).isInstanceOf(SignatureException.class);
        assertThat(failure.getMessage()).doesNotContain("MfKQ9r8G", expected);
    }

    @Test
    void verifiesEd25519SignaturesWithThePublicKey() throws Exception {
        KeyPair pair = ed25519();
        String signature = StandardWebhooksSignature.signEd25519(pair.getPrivate(), ID,
                TIMESTAMP, BODY);
        StandardWebhooksSignature verifier =
                StandardWebhooksSignature.ofPublicKeys(pair.getPublic()).withClock(CLOCK);

        assertThat(signature).startsWith("v1a,");
        assertThatCode(() -> verifier.verify(ID, TS, "v1,abc " + signature, BODY))
                .doesNotThrowAnyException();
        assertThat(verifier.toString()).isEqualTo(
                "StandardWebhooksSignature[v1a, window PT5M, 1 public key(s)]");
    }

    @Test
    void rejectsEd25519SignaturesOfAnotherKeyOrBody() throws Exception {
        KeyPair signer = ed25519();
        KeyPair other = ed25519();
        String signature = StandardWebhooksSignature.signEd25519(signer.getPrivate(), ID,
                TIMESTAMP, BODY);
        StandardWebhooksSignature wrongKey =
                StandardWebhooksSignature.ofPublicKeys(other.getPublic()).withClock(CLOCK);
        StandardWebhooksSignature rightKey =
                StandardWebhooksSignature.ofPublicKeys(signer.getPublic()).withClock(CLOCK);
        byte[] tampered = "{\"test\": 1}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> wrongKey.verify(ID, TS, signature, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 1 v1a entries matches");
        assertThatThrownBy(() -> rightKey.verify(ID, TS, signature, tampered))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 1 v1a entries matches");
        assertThatThrownBy(() -> rightKey.verify(ID, TS, "v1a,AAAA v1a,%%%", BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("none of the 2 v1a entries matches");
        assertThatThrownBy(() -> rightKey.verify(ID, TS, SIGNATURE, BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("has no v1a entry");
    }

    @Test
    void acceptsEd25519SignatureOfTheSecondKeyAndRefusesToSignWithPublicKeys()
            throws Exception {
        KeyPair fresh = ed25519();
        KeyPair old = ed25519();
        String signature = StandardWebhooksSignature.signEd25519(old.getPrivate(), ID,
                TIMESTAMP, BODY);
        StandardWebhooksSignature rotating = StandardWebhooksSignature
                .ofPublicKeys(fresh.getPublic(), old.getPublic()).withClock(CLOCK);

        assertThatCode(() -> rotating.verify(ID, TS, signature, BODY)).doesNotThrowAnyException();
        assertThatThrownBy(() -> rotating.sign(ID, TIMESTAMP, BODY))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot sign");
    }

    @Test
    void refusesPublicKeysThatAreNotEd25519() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();

        assertThatThrownBy(() -> StandardWebhooksSignature.ofPublicKeys(rsa.getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public key at index 0 is not an Ed25519 key");
    }

    private static KeyPair ed25519() throws NoSuchAlgorithmException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }
}
