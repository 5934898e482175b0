package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.NOW;
import static dev.recipes.slack.SlackFixture.SECRET;
import static dev.recipes.slack.SlackFixture.signedHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests whose signature fails (PROVIDERS.md A1) get 401 and produce no event. */
final class SlackWebhookSignatureTest {

    private static final String TIMESTAMP = "X-Slack-Request-Timestamp";
    private static final String SIGNATURE = "X-Slack-Signature";

    private final SlackFixture slack = SlackFixture.start();
    private final byte[] body = SlackFixture.resource("message.json");

    @AfterEach
    void closeEngine() {
        slack.close();
    }

    @Test
    void acceptsACorrectlySignedRequest() {
        WebhookResponse response = slack.send(body);

        assertThat(response.status()).isEqualTo(200);
        assertThat(slack.published()).hasSize(1);
    }

    @Test
    void rejectsMissingHeaders() {
        WebhookResponse response = slack.post(Map.of(), body);

        assertRefused(response);
    }

    @Test
    void rejectsAMissingSignatureHeader() {
        Map<String, String> headers = Map.of(TIMESTAMP, Long.toString(NOW));

        WebhookResponse response = slack.post(headers, body);

        assertRefused(response);
    }

    @Test
    void rejectsAMissingTimestampHeader() {
        Map<String, String> headers = Map.of(SIGNATURE, signature(NOW, body));

        WebhookResponse response = slack.post(headers, body);

        assertRefused(response);
    }

    @Test
    void rejectsASignatureWithoutTheV0Prefix() {
        String bare = signature(NOW, body).substring("v0=".length());

        WebhookResponse response = slack.post(headers(Long.toString(NOW), bare), body);

        assertRefused(response);
    }

    @Test
    void rejectsUppercaseHex() {
        String upper = "v0=" + signature(NOW, body).substring(3).toUpperCase(Locale.ROOT);

        WebhookResponse response = slack.post(headers(Long.toString(NOW), upper), body);

        assertRefused(response);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1700000160.0", "-1700000160", " 1700000160", "+1700000160",
            "1.7e9", "99999999999999999999"})
    void rejectsATimestampThatIsNotUnixSeconds(String timestamp) {
        String signedOverIt = "v0=" + hmacHex(SECRET, "v0:" + timestamp + ":", body);

        WebhookResponse response = slack.post(headers(timestamp, signedOverIt), body);

        assertRefused(response);
    }

    @Test
    void rejectsATimestamp301SecondsOld() {
        WebhookResponse response = slack.post(signedHeaders(SECRET, NOW - 301, body), body);

        assertRefused(response);
    }

    @Test
    void rejectsATimestamp301SecondsAhead() {
        WebhookResponse response = slack.post(signedHeaders(SECRET, NOW + 301, body), body);

        assertRefused(response);
    }

    @Test
    void acceptsTimestampsAtTheEdgesOfTheFiveMinuteWindow() {
        byte[] other = SlackFixture.resource("app-mention.json");

        WebhookResponse old = slack.post(signedHeaders(SECRET, NOW - 300, body), body);
        WebhookResponse ahead = slack.post(signedHeaders(SECRET, NOW + 300, other), other);

        assertThat(old.status()).isEqualTo(200);
        assertThat(ahead.status()).isEqualTo(200);
        assertThat(slack.published()).hasSize(2);
    }

    @Test
    void rejectsABodyWithOneByteChanged() {
        Map<String, String> headers = signedHeaders(SECRET, NOW, body);
        byte[] tampered = body.clone();
        tampered[tampered.length / 2] ^= 0x01;

        WebhookResponse response = slack.post(headers, tampered);

        assertRefused(response);
    }

    @Test
    void rejectsASignatureMadeWithAnotherSecret() {
        Secret other = Secret.of("not-the-signing-secret-0123456789");

        WebhookResponse response = slack.post(signedHeaders(other, NOW, body), body);

        assertRefused(response);
    }

    @Test
    void logsWhyARequestWasRefusedButNeitherSecretNorExpectedSignature() {
        String expected = signature(NOW, body);
        byte[] tampered = body.clone();
        tampered[0] = ' ';

        String log = captureStandardError(() ->
                slack.post(signedHeaders(SECRET, NOW, body), tampered));

        assertThat(log).contains("WARN").contains("401").contains("does not match");
        assertThat(log).doesNotContain(SECRET.reveal()).doesNotContain(expected.substring(3));
    }

    private void assertRefused(WebhookResponse response) {
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.bodyText()).doesNotContain(SECRET.reveal());
        assertThat(slack.published()).isEmpty();
    }

    private static String signature(long timestamp, byte[] body) {
        return signedHeaders(SECRET, timestamp, body).get(SIGNATURE);
    }

    private static Map<String, String> headers(String timestamp, String signature) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TIMESTAMP, timestamp);
        headers.put(SIGNATURE, signature);
        return headers;
    }

    private static String hmacHex(Secret secret, String prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
            mac.update(prefix.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // slf4j-simple writes to whatever System.err is at the time of each log call.
    private static String captureStandardError(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
