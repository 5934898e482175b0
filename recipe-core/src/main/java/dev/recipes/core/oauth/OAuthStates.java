package dev.recipes.core.oauth;

import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes and checks the {@code state} of an OAuth 2.0 authorization code flow (RFC 6749,
 * section 10.12): random, expiring, single-use, and bound to the browser that started the
 * flow.
 *
 * <p>A state is a random nonce, its expiry and an HMAC-SHA256 over both under a key derived
 * from a secret of the service (such as its OAuth client secret), so any engine instance that
 * knows the secret can check a state another one issued, without storing anything at the
 * start. The start page sets the nonce in a cookie ({@link Issued#nonce()}); the callback
 * passes that cookie back to {@link #verify(String, String)}, which refuses a state coming
 * through another browser, one whose HMAC does not match, one past its expiry, and one used
 * before: the nonce is claimed in the engine's {@link IdempotencyStore}, which must therefore
 * remember keys for at least the lifetime of a state and, with several engine instances, be
 * shared by them (as the Redis one is).
 *
 * <p>A state may also carry a little data from the start to the callback, such as the
 * connection an install is for ({@link #issue(String)}, read back with
 * {@link #verifyAndRead(String, String)}); the data is covered by the HMAC, so nobody can
 * change it on the way, but it is only encoded, not encrypted: put nothing secret in it.
 *
 * <p>For PKCE (RFC 7636), {@link #codeVerifier(String)} derives a {@code code_verifier} from a
 * state with an HMAC under another key derived from the same secret: the start page sends its
 * {@linkplain #codeChallenge(String) challenge}, and the callback, on any engine instance,
 * derives the same verifier from the state it gets back, so nothing is stored at the start.
 * Without the secret, the verifier cannot be derived from the state, which travels in URLs.
 *
 * <p>Thread-safe. {@link #toString()} shows no key.
 */
public final class OAuthStates {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern SHAPE =
            Pattern.compile("([A-Za-z0-9_-]{22})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");
    private static final Pattern SHAPE_WITH_DATA = Pattern.compile("([A-Za-z0-9_-]{22})"
            + "\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{1,272})\\.([A-Za-z0-9_-]{43})");
    private static final int MAX_STATE_LENGTH = 100;
    private static final int MAX_STATE_WITH_DATA_LENGTH = 360;
    /** The most bytes of data a state carries. */
    private static final int MAX_DATA_BYTES = 200;
    private static final String MAC = "HmacSHA256";

    private final String purpose;
    private final byte[] key;
    private final byte[] verifierKey;
    private final Clock clock;
    private final IdempotencyStore used;
    private final Duration lifetime;

    private OAuthStates(String purpose, byte[] key, Clock clock, IdempotencyStore used,
            Duration lifetime) {
        this.purpose = purpose;
        this.key = key;
        this.verifierKey = hmac(key, "recipes oauth pkce verifier key"
                .getBytes(StandardCharsets.UTF_8));
        this.clock = clock;
        this.used = used;
        this.lifetime = lifetime;
    }

    /**
     * Makes states for one purpose.
     *
     * @param purpose what the states are for, such as {@code slack-install}; a state made for
     *     one purpose is refused for another
     * @param secret the secret the HMAC key is derived from, such as the OAuth client secret
     * @param clock the clock that dates expiry
     * @param used the store in which each state's nonce is claimed when it is used
     * @param lifetime how long a state may wait for its callback, between 1 minute and 1 hour
     * @return the states
     * @throws IllegalArgumentException if the lifetime is out of range or the purpose empty
     */
    public static OAuthStates create(String purpose, Secret secret, Clock clock,
            IdempotencyStore used, Duration lifetime) {
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(used, "used");
        Objects.requireNonNull(lifetime, "lifetime");
        if (purpose.isBlank()) {
            throw new IllegalArgumentException("OAuth states: the purpose is empty");
        }
        if (lifetime.compareTo(Duration.ofMinutes(1)) < 0
                || lifetime.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("OAuth states: lifetime " + lifetime
                    + " is out of range; give 1 minute to 1 hour");
        }
        byte[] key = hmac(secret.bytes(),
                ("recipes oauth state key\n" + purpose).getBytes(StandardCharsets.UTF_8));
        return new OAuthStates(purpose, key, clock, used, lifetime);
    }

    /**
     * Returns how long a state stays usable after it is issued.
     *
     * @return the lifetime
     */
    public Duration lifetime() {
        return lifetime;
    }

    /**
     * Issues a new state.
     *
     * @return the state, to send in the authorize URL, and its nonce, to set in a cookie
     */
    public Issued issue() {
        String nonce = nonce();
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        return new Issued(nonce + "." + expires + "." + mac(nonce, expires), nonce);
    }

    /**
     * Issues a new state that carries data to the callback, where
     * {@link #verifyAndRead(String, String)} returns it. The data is signed, not encrypted.
     *
     * @param data what the callback needs to know, such as a connection id; 1 to 200 bytes in
     *     UTF-8
     * @return the state, to send in the authorize URL, and its nonce, to set in a cookie
     * @throws IllegalArgumentException if the data is empty or longer than 200 bytes
     */
    public Issued issue(String data) {
        Objects.requireNonNull(data, "data");
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_DATA_BYTES) {
            throw new IllegalArgumentException("OAuth states: the data is " + bytes.length
                    + " bytes; give 1 to " + MAX_DATA_BYTES);
        }
        String nonce = nonce();
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        String encoded = BASE64URL.encodeToString(bytes);
        return new Issued(nonce + "." + expires + "." + encoded + "."
                + mac(nonce, expires, encoded), nonce);
    }

    /**
     * Checks a state that came back to the callback, and uses it up.
     *
     * @param state the {@code state} query parameter of the callback
     * @param cookieNonce the nonce from the cookie the start page set, or {@code null} if the
     *     browser sent none
     * @throws OAuthStateException if the state is malformed, forged, expired, already used or
     *     came through another browser, saying which
     */
    public void verify(String state, String cookieNonce) {
        verifyAndRead(state, cookieNonce);
    }

    /**
     * Checks a state that came back to the callback, uses it up, and returns the data it
     * carries; otherwise as {@link #verify(String, String)}.
     *
     * @param state the {@code state} query parameter of the callback
     * @param cookieNonce the nonce from the cookie the start page set, or {@code null} if the
     *     browser sent none
     * @return the data given to {@link #issue(String)}, or an empty string for a state issued
     *     by {@link #issue()}
     * @throws OAuthStateException if the state is malformed, forged, expired, already used or
     *     came through another browser, saying which
     */
    public String verifyAndRead(String state, String cookieNonce) {
        if (state == null || state.isEmpty()) {
            throw new OAuthStateException(OAuthStateException.Reason.MISSING,
                    "the callback carries no state");
        }
        Matcher match = shape(state);
        if (match == null) {
            throw new OAuthStateException(OAuthStateException.Reason.MALFORMED,
                    "the state is not one this application issued");
        }
        boolean withData = match.groupCount() == 4;
        String nonce = match.group(1);
        long expires = Long.parseLong(match.group(2));
        String data = withData ? match.group(3) : null;
        String signature = withData ? match.group(4) : match.group(3);
        byte[] expected = (withData ? mac(nonce, expires, data) : mac(nonce, expires))
                .getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new OAuthStateException(OAuthStateException.Reason.FORGED,
                    "the state's signature does not match; it was not issued here");
        }
        if (clock.instant().getEpochSecond() >= expires) {
            throw new OAuthStateException(OAuthStateException.Reason.EXPIRED,
                    "the state expired; the install took longer than " + lifetime
                            + ", start it again");
        }
        if (cookieNonce == null || !MessageDigest.isEqual(
                nonce.getBytes(StandardCharsets.US_ASCII),
                cookieNonce.getBytes(StandardCharsets.UTF_8))) {
            throw new OAuthStateException(OAuthStateException.Reason.OTHER_BROWSER,
                    "the state was issued to another browser (its cookie is "
                            + (cookieNonce == null ? "missing" : "different")
                            + "); start the install again in this browser");
        }
        if (!used.claim("oauth-state:" + purpose + ":" + nonce)) {
            throw new OAuthStateException(OAuthStateException.Reason.USED,
                    "the state was used before; start the install again");
        }
        return data == null ? "" : decode(data);
    }

    /**
     * Derives the PKCE {@code code_verifier} (RFC 7636) of a state: 43 base64url characters of
     * an HMAC-SHA256 of the state under a key derived from the secret and the purpose. The
     * start page sends {@link #codeChallenge(String) codeChallenge(codeVerifier(state))}; the
     * callback derives the verifier again from the state it got back, after
     * {@linkplain #verify(String, String) checking} it, on whichever engine instance it lands.
     *
     * @param state a state this object issued
     * @return the verifier
     */
    public String codeVerifier(String state) {
        Objects.requireNonNull(state, "state");
        return BASE64URL.encodeToString(hmac(verifierKey,
                (purpose + "\n" + state).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Computes the {@code S256} PKCE {@code code_challenge} of a verifier: the base64url,
     * without padding, of the SHA-256 of its ASCII bytes.
     *
     * @param codeVerifier the verifier
     * @return the challenge, 43 characters
     */
    public static String codeChallenge(String codeVerifier) {
        Objects.requireNonNull(codeVerifier, "codeVerifier");
        try {
            return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(codeVerifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Matches a state of either shape, or returns null; long text is not scanned. */
    private static Matcher shape(String state) {
        if (state.length() <= MAX_STATE_LENGTH) {
            Matcher plain = SHAPE.matcher(state);
            if (plain.matches()) {
                return plain;
            }
        }
        if (state.length() <= MAX_STATE_WITH_DATA_LENGTH) {
            Matcher carrying = SHAPE_WITH_DATA.matcher(state);
            if (carrying.matches()) {
                return carrying;
            }
        }
        return null;
    }

    private static String nonce() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return BASE64URL.encodeToString(random);
    }

    private static String decode(String data) {
        try {
            return new String(Base64.getUrlDecoder().decode(data), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A signed state holds what issue(String) encoded; this needs a forged HMAC.
            throw new OAuthStateException(OAuthStateException.Reason.MALFORMED,
                    "the state is not one this application issued");
        }
    }

    private String mac(String nonce, long expires, String data) {
        return BASE64URL.encodeToString(hmac(key, (purpose + "\n" + nonce + "\n" + expires
                + "\n" + data).getBytes(StandardCharsets.UTF_8)));
    }

    private String mac(String nonce, long expires) {
        return BASE64URL.encodeToString(hmac(key,
                (purpose + "\n" + nonce + "\n" + expires).getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(new SecretKeySpec(key, MAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "OAuthStates[" + purpose + ", lifetime " + lifetime + "]";
    }

    /**
     * A state just issued.
     *
     * @param state the value of the {@code state} parameter of the authorize URL
     * @param nonce the value to set in the browser's cookie, checked at the callback
     */
    public record Issued(String state, String nonce) {

        /**
         * Checks the parts.
         *
         * @param state the value of the {@code state} parameter of the authorize URL
         * @param nonce the value to set in the browser's cookie, checked at the callback
         */
        public Issued {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(nonce, "nonce");
        }
    }
}
