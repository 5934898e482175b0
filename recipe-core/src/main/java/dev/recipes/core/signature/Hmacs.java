package dev.recipes.core.signature;

import dev.recipes.core.Secret;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** What the HMAC signature schemes share: secret lists, timestamps, the window and the MAC. */
final class Hmacs {

    /**
     * The most signatures one header may carry: senders list one per secret they rotate
     * through, and a header of thousands would make every check cost thousands of checks.
     */
    static final int MAX_SIGNATURES = 16;


    private static final String ALGORITHM = "HmacSHA256";

    private Hmacs() {
    }

    /** Copies one or more secrets into a list, refusing nulls. */
    static List<Secret> secrets(Secret first, Secret... more) {
        Objects.requireNonNull(more, "more secrets");
        List<Secret> all = new ArrayList<>(1 + more.length);
        all.add(first);
        all.addAll(Arrays.asList(more));
        return secrets(all);
    }

    /** Copies a non-empty list of secrets, refusing nulls. */
    static List<Secret> secrets(List<Secret> secrets) {
        Objects.requireNonNull(secrets, "secrets");
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("signature: the list of secrets is empty");
        }
        for (int i = 0; i < secrets.size(); i++) {
            Objects.requireNonNull(secrets.get(i), "secret at index " + i);
        }
        return List.copyOf(secrets);
    }

    /** Checks that a replay window is a second or more: timestamps are whole seconds. */
    static Duration window(String scheme, Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(scheme + ": replay window " + window
                    + " must be at least 1 second; timestamps are whole seconds");
        }
        return window;
    }

    /** Checks a timestamp to sign: Unix seconds, as verify reads them. */
    static String signedTimestamp(String scheme, long timestamp) {
        if (timestamp < 0) {
            throw new IllegalArgumentException(scheme + ": timestamp " + timestamp
                    + " is negative; give Unix seconds");
        }
        return Long.toString(timestamp);
    }

    /** Parses a timestamp of Unix seconds: one to twelve ASCII digits. */
    static long timestamp(String scheme, String timestamp) {
        if (timestamp.isEmpty() || timestamp.length() > 12
                || !timestamp.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SignatureException(scheme + ": timestamp '" + abbreviate(timestamp)
                    + "' is not Unix seconds");
        }
        return Long.parseLong(timestamp);
    }

    /** Refuses a timestamp further than the window from the clock, in either direction. */
    static void checkWindow(String scheme, long seconds, Clock clock, Duration window) {
        long age = clock.instant().getEpochSecond() - seconds;
        if (Math.abs(age) > window.toSeconds()) {
            throw new SignatureException(scheme + ": timestamp " + seconds + " is "
                    + (age > 0 ? age + " s old" : -age + " s in the future") + ", outside the "
                    + window.toSeconds() + " s replay window (is this server's clock right?)");
        }
    }

    /**
     * Shortens a presented value for an error message, with control characters escaped, so
     * that a header cannot forge log lines.
     */
    static String abbreviate(String value) {
        String shown = value.length() <= 20 ? value : value.substring(0, 20) + "...";
        StringBuilder escaped = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                escaped.append(String.format("\\u%04x", c));
            } else {
                escaped.appendCodePoint(c);
            }
        });
        return escaped.toString();
    }

    // One Mac per thread: looking the algorithm up among the providers cost more than the
    // HMAC of a webhook body. init resets it under the new key before every use.
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    });

    /**
     * Returns this thread's HMAC-SHA256, initialised with a key; use it before asking again.
     *
     * @param key the key
     * @return the Mac
     * @throws GeneralSecurityException if the key is refused
     */
    static Mac hmacSha256(byte[] key) throws GeneralSecurityException {
        Mac mac = MACS.get();
        mac.init(new SecretKeySpec(key, ALGORITHM));
        return mac;
    }

    /** Returns HMAC-SHA256 of the parts, in order, under a key. */
    static byte[] sha256(byte[] key, byte[]... parts) {
        try {
            Mac mac = hmacSha256(key);
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Says whether a string is lowercase hex digits only. */
    static boolean isLowerHex(String value) {
        return value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
