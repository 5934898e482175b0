package dev.recipes.core.signature;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * Slack's request signing, version {@code v0}: HMAC-SHA256 with the app's signing secret over
 * {@code "v0:" + timestamp + ":" + raw body}, sent as {@code X-Slack-Signature: v0=<hex>} with
 * the timestamp in {@code X-Slack-Request-Timestamp}.
 *
 * <p>Verification compares in constant time and refuses timestamps more than the replay window
 * (five minutes by default) away from the clock, in either direction. Several secrets may be
 * given, so that requests signed with a secret being rotated out still verify while the new one
 * is rolled out; the first one signs. Instances are immutable and thread-safe.
 */
public final class SlackSignature {

    /** The header carrying the signature. */
    public static final String SIGNATURE_HEADER = "X-Slack-Signature";

    /** The header carrying the Unix timestamp in seconds. */
    public static final String TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";

    private static final String VERSION = "v0";
    private static final String ALGORITHM = "HmacSHA256";

    private final List<Secret> secrets;
    private final Clock clock;
    private final Duration window;

    private SlackSignature(List<Secret> secrets, Clock clock, Duration window) {
        this.secrets = Hmacs.secrets(secrets);
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("slack signature: replay window " + window
                    + " must be positive");
        }
        this.window = window;
    }

    /**
     * Returns the scheme for one or more signing secrets, with the system clock and a
     * five-minute window.
     *
     * @param first the app's signing secret, which signs and is tried first
     * @param more further secrets that verify, such as the one being rotated out
     * @return the scheme
     */
    public static SlackSignature of(Secret first, Secret... more) {
        return of(Hmacs.secrets(first, more));
    }

    /**
     * Returns the scheme for a list of signing secrets, with the system clock and a five-minute
     * window.
     *
     * @param secrets the secrets, not empty; the first one signs
     * @return the scheme
     * @throws IllegalArgumentException if the list is empty or too long
     */
    public static SlackSignature of(List<Secret> secrets) {
        return new SlackSignature(secrets, Clock.systemUTC(), Duration.ofMinutes(5));
    }

    /**
     * Returns a copy that reads the time from another clock.
     *
     * @param clock the clock
     * @return a new scheme
     */
    public SlackSignature withClock(Clock clock) {
        return new SlackSignature(secrets, clock, window);
    }

    /**
     * Returns a copy with another replay window.
     *
     * @param window how far a timestamp may be from the clock, positive
     * @return a new scheme
     */
    public SlackSignature withWindow(Duration window) {
        return new SlackSignature(secrets, clock, window);
    }

    /**
     * Signs a body as Slack does, with the first secret.
     *
     * @param timestamp Unix seconds
     * @param body the raw body
     * @return the header value, {@code v0=} and 64 lowercase hex digits
     */
    public String sign(long timestamp, byte[] body) {
        return VERSION + "=" + HexFormat.of().formatHex(
                mac(secrets.get(0), Long.toString(timestamp), body));
    }

    /**
     * Verifies a request's signature headers against its raw body.
     *
     * @param request the request
     * @throws SignatureException if a header is missing or malformed, the timestamp is outside
     *     the window, or the signature does not match
     */
    public void verify(WebhookRequest request) {
        String timestamp = request.header(TIMESTAMP_HEADER).orElseThrow(() ->
                new SignatureException("slack signature: header " + TIMESTAMP_HEADER
                        + " is missing"));
        String signature = request.header(SIGNATURE_HEADER).orElseThrow(() ->
                new SignatureException("slack signature: header " + SIGNATURE_HEADER
                        + " is missing"));
        verify(timestamp, signature, request.body());
    }

    /**
     * Verifies a signature and timestamp against a raw body.
     *
     * @param timestamp the {@code X-Slack-Request-Timestamp} value
     * @param signature the {@code X-Slack-Signature} value
     * @param body the raw body
     * @throws SignatureException if the timestamp is malformed or outside the window, or the
     *     signature is malformed or does not match
     */
    public void verify(String timestamp, String signature, byte[] body) {
        long seconds = parseTimestamp(timestamp);
        long now = clock.instant().getEpochSecond();
        long age = now - seconds;
        if (Math.abs(age) > window.toSeconds()) {
            throw new SignatureException("slack signature: timestamp " + seconds + " is "
                    + (age > 0 ? age + " s old" : -age + " s in the future") + ", outside the "
                    + window.toSeconds() + " s replay window (is this server's clock right?)");
        }
        byte[] presented = parseSignature(signature);
        boolean matched = false;
        for (Secret secret : secrets) {
            matched |= MessageDigest.isEqual(presented, mac(secret, timestamp, body));
        }
        if (!matched) {
            throw new SignatureException("slack signature: does not match the body"
                    + (secrets.size() == 1 ? "" : " under any of the " + secrets.size()
                            + " secrets"));
        }
    }

    private static long parseTimestamp(String timestamp) {
        if (timestamp.isEmpty() || timestamp.length() > 12 || !isDigits(timestamp)) {
            throw new SignatureException("slack signature: timestamp '"
                    + abbreviate(timestamp) + "' is not Unix seconds");
        }
        return Long.parseLong(timestamp);
    }

    private static byte[] parseSignature(String signature) {
        String prefix = VERSION + "=";
        String hex = signature.startsWith(prefix) ? signature.substring(prefix.length()) : "";
        if (hex.length() != 64 || !isLowerHex(hex)) {
            throw new SignatureException("slack signature: not of the form v0=<64 lowercase hex "
                    + "digits>");
        }
        return HexFormat.of().parseHex(hex);
    }

    // Loops rather than streams: these run on every delivery.
    private static boolean isDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String value) {
        return value.length() <= 20 ? value : value.substring(0, 20) + "...";
    }

    private static byte[] mac(Secret secret, String timestamp, byte[] body) {
        try {
            Mac mac = Hmacs.hmacSha256(secret.bytes());
            mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "SlackSignature[v0, window " + window + ", " + secrets.size() + " secret(s)]";
    }
}
