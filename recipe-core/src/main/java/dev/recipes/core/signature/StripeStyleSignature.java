package dev.recipes.core.signature;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Stripe's webhook signing: one header {@code Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...]},
 * each {@code v1} value the lowercase hex HMAC-SHA256 of {@code "<ts>." + raw body}.
 *
 * <p>Elements other than {@code t} and {@code v1} (such as Stripe's {@code v0}) are ignored, and
 * the signature passes if any {@code v1} value matches under any of the secrets, which allows
 * rotating a secret without downtime; {@link #sign(long, byte[])} uses the first secret.
 * Verification compares in constant time and refuses timestamps more than the replay window
 * (five minutes by default) away from the clock, in either direction; Stripe's own libraries
 * refuse only old ones. Instances are immutable and thread-safe.
 */
public final class StripeStyleSignature {

    /** The header carrying the timestamp and the signatures. */
    public static final String SIGNATURE_HEADER = "Stripe-Signature";

    private static final String SCHEME = "stripe signature";
    private static final String VERSION = "v1";

    private final List<Secret> secrets;
    private final Clock clock;
    private final Duration window;

    private StripeStyleSignature(List<Secret> secrets, Clock clock, Duration window) {
        this.secrets = Hmacs.secrets(secrets);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Hmacs.window(SCHEME, window);
    }

    /**
     * Returns the scheme for one or more endpoint secrets, with the system clock and a
     * five-minute window.
     *
     * @param first the secret that signs, and the first one tried
     * @param more further secrets that verify, such as the one being rotated out
     * @return the scheme
     */
    public static StripeStyleSignature of(Secret first, Secret... more) {
        return of(Hmacs.secrets(first, more));
    }

    /**
     * Returns the scheme for a list of endpoint secrets, with the system clock and a five-minute
     * window.
     *
     * @param secrets the secrets, not empty; the first one signs
     * @return the scheme
     * @throws IllegalArgumentException if the list is empty
     */
    public static StripeStyleSignature of(List<Secret> secrets) {
        return new StripeStyleSignature(secrets, Clock.systemUTC(), Duration.ofMinutes(5));
    }

    /**
     * Returns a copy that reads the time from another clock.
     *
     * @param clock the clock
     * @return a new scheme
     */
    public StripeStyleSignature withClock(Clock clock) {
        return new StripeStyleSignature(secrets, clock, window);
    }

    /**
     * Returns a copy with another replay window.
     *
     * @param window how far a timestamp may be from the clock, positive
     * @return a new scheme
     */
    public StripeStyleSignature withWindow(Duration window) {
        return new StripeStyleSignature(secrets, clock, window);
    }

    /**
     * Signs a body with the first secret.
     *
     * @param timestamp Unix seconds
     * @param body the raw body
     * @return the header value, {@code t=<timestamp>,v1=} and 64 lowercase hex digits
     */
    public String sign(long timestamp, byte[] body) {
        Objects.requireNonNull(body, "body");
        String ts = Hmacs.signedTimestamp(SCHEME, timestamp);
        return "t=" + ts + "," + VERSION + "="
                + HexFormat.of().formatHex(mac(secrets.get(0), ts, body));
    }

    /**
     * Verifies a request's signature header against its raw body.
     *
     * @param request the request
     * @throws SignatureException if the header is missing or malformed, the timestamp is
     *     outside the window, or no signature matches under any secret
     */
    public void verify(WebhookRequest request) {
        String header = request.header(SIGNATURE_HEADER).orElseThrow(() ->
                new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " is missing"));
        verify(header, request.body());
    }

    /**
     * Verifies a signature header value against a raw body.
     *
     * @param header the {@code Stripe-Signature} value
     * @param body the raw body
     * @throws SignatureException if the header has no single timestamp or no {@code v1} value,
     *     the timestamp is outside the window, or no signature matches under any secret
     */
    public void verify(String header, byte[] body) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(body, "body");
        String timestamp = null;
        List<String> signatures = new ArrayList<>();
        for (String element : header.split(",")) {
            if (element.startsWith("t=")) {
                if (timestamp != null) {
                    throw new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER
                            + " has more than one t= element");
                }
                timestamp = element.substring(2);
            } else if (element.startsWith(VERSION + "=")) {
                signatures.add(element.substring(VERSION.length() + 1));
            }
        }
        if (timestamp == null || signatures.isEmpty()) {
            throw new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " is not of "
                    + "the form t=<timestamp>,v1=<hex>[,v1=<hex>...]");
        }
        if (signatures.size() > Hmacs.MAX_SIGNATURES) {
            throw new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " has "
                    + signatures.size() + " v1 signatures, more than " + Hmacs.MAX_SIGNATURES);
        }
        Hmacs.checkWindow(SCHEME, Hmacs.timestamp(SCHEME, timestamp), clock, window);
        if (!matches(timestamp, signatures, body)) {
            throw new SignatureException(SCHEME + ": none of the " + signatures.size()
                    + " v1 signatures matches the body under any of the " + secrets.size()
                    + " secret(s)");
        }
    }

    private boolean matches(String timestamp, List<String> signatures, byte[] body) {
        List<byte[]> expected = new ArrayList<>(secrets.size());
        for (Secret secret : secrets) {
            expected.add(mac(secret, timestamp, body));
        }
        boolean matched = false;
        for (String hex : signatures) {
            if (hex.length() != 64 || !Hmacs.isLowerHex(hex)) {
                continue;
            }
            byte[] presented = HexFormat.of().parseHex(hex);
            for (byte[] mac : expected) {
                matched |= MessageDigest.isEqual(presented, mac);
            }
        }
        return matched;
    }

    private static byte[] mac(Secret secret, String timestamp, byte[] body) {
        return Hmacs.sha256(secret.bytes(),
                (timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
    }

    @Override
    public String toString() {
        return "StripeStyleSignature[v1, window " + window + ", " + secrets.size()
                + " secret(s) " + secrets + "]";
    }
}
