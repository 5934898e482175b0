package dev.recipes.core.signature;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Standard Webhooks signing scheme: a signature over {@code "<id>.<timestamp>.<body>"}, with
 * the message id in {@code webhook-id}, Unix seconds in {@code webhook-timestamp} and a
 * space-separated list of {@code <version>,<base64 signature>} entries in
 * {@code webhook-signature}.
 *
 * <p>Two versions are supported. {@code v1} is HMAC-SHA256 keyed with the base64 part of a
 * {@code whsec_...} secret, made by {@link #of(Secret, Secret...)}; {@code v1a} is Ed25519,
 * verified with public keys, made by {@link #ofPublicKeys(PublicKey, PublicKey...)}. An instance
 * checks entries of its own version, ignores the others, and passes if any entry matches under
 * any of its keys, which allows rotating keys without downtime.
 *
 * <p>Verification refuses timestamps more than the replay window (five minutes by default) away
 * from the clock, in either direction, and compares HMACs in constant time. Instances are
 * immutable and thread-safe.
 */
public final class StandardWebhooksSignature {

    /** The header carrying the message id. */
    public static final String ID_HEADER = "webhook-id";

    /** The header carrying the Unix timestamp in seconds. */
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";

    /** The header carrying the space-separated signature entries. */
    public static final String SIGNATURE_HEADER = "webhook-signature";

    private static final String SCHEME = "standard webhooks signature";
    private static final String SECRET_PREFIX = "whsec_";
    private static final String HMAC_VERSION = "v1";
    private static final String ED25519_VERSION = "v1a";
    private static final String ED25519 = "Ed25519";

    private final List<byte[]> hmacKeys;
    private final List<PublicKey> publicKeys;
    private final Clock clock;
    private final Duration window;

    private StandardWebhooksSignature(
            List<byte[]> hmacKeys, List<PublicKey> publicKeys, Clock clock, Duration window) {
        this.hmacKeys = hmacKeys;
        this.publicKeys = publicKeys;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Hmacs.window(SCHEME, window);
    }

    /**
     * Returns the {@code v1} scheme for one or more {@code whsec_...} secrets, with the system
     * clock and a five-minute window.
     *
     * @param first the secret that signs, and the first one tried
     * @param more further secrets that verify, such as the one being rotated out
     * @return the scheme
     * @throws IllegalArgumentException if a secret is not base64 after its optional
     *     {@code whsec_} prefix
     */
    public static StandardWebhooksSignature of(Secret first, Secret... more) {
        return of(Hmacs.secrets(first, more));
    }

    /**
     * Returns the {@code v1} scheme for a list of {@code whsec_...} secrets, with the system
     * clock and a five-minute window.
     *
     * @param secrets the secrets, not empty; the first one signs
     * @return the scheme
     * @throws IllegalArgumentException if the list is empty, or a secret is not base64 after its
     *     optional {@code whsec_} prefix
     */
    public static StandardWebhooksSignature of(List<Secret> secrets) {
        List<Secret> checked = Hmacs.secrets(secrets);
        List<byte[]> keys = new ArrayList<>(checked.size());
        for (int i = 0; i < checked.size(); i++) {
            keys.add(decodeSecret(checked.get(i), i));
        }
        return new StandardWebhooksSignature(
                List.copyOf(keys), List.of(), Clock.systemUTC(), Duration.ofMinutes(5));
    }

    /**
     * Returns the {@code v1a} scheme for one or more Ed25519 public keys, with the system clock
     * and a five-minute window. It verifies only; sign with
     * {@link #signEd25519(PrivateKey, String, long, byte[])}.
     *
     * @param first the first key tried
     * @param more further keys, such as the one being rotated out
     * @return the scheme
     * @throws IllegalArgumentException if a key is not an Ed25519 public key
     */
    public static StandardWebhooksSignature ofPublicKeys(PublicKey first, PublicKey... more) {
        Objects.requireNonNull(more, "more public keys");
        List<PublicKey> keys = new ArrayList<>(1 + more.length);
        keys.add(first);
        keys.addAll(List.of(more));
        for (int i = 0; i < keys.size(); i++) {
            checkEd25519(Objects.requireNonNull(keys.get(i), "public key at index " + i), i);
        }
        return new StandardWebhooksSignature(
                List.of(), List.copyOf(keys), Clock.systemUTC(), Duration.ofMinutes(5));
    }

    /**
     * Returns a copy that reads the time from another clock.
     *
     * @param clock the clock
     * @return a new scheme
     */
    public StandardWebhooksSignature withClock(Clock clock) {
        return new StandardWebhooksSignature(hmacKeys, publicKeys, clock, window);
    }

    /**
     * Returns a copy with another replay window.
     *
     * @param window how far a timestamp may be from the clock, positive
     * @return a new scheme
     */
    public StandardWebhooksSignature withWindow(Duration window) {
        return new StandardWebhooksSignature(hmacKeys, publicKeys, clock, window);
    }

    /**
     * Signs a message with the first secret, as a {@code v1} entry.
     *
     * @param id the message id
     * @param timestamp Unix seconds
     * @param body the raw body
     * @return the header value, {@code v1,} and the base64 HMAC
     * @throws IllegalStateException if this scheme holds public keys, which cannot sign
     */
    public String sign(String id, long timestamp, byte[] body) {
        if (hmacKeys.isEmpty()) {
            throw new IllegalStateException(SCHEME + ": a v1a scheme holds public keys and cannot "
                    + "sign; use signEd25519 with the private key");
        }
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(body, "body");
        byte[] mac = hmac(hmacKeys.get(0), id, Hmacs.signedTimestamp(SCHEME, timestamp), body);
        return HMAC_VERSION + "," + Base64.getEncoder().encodeToString(mac);
    }

    /**
     * Signs a message with an Ed25519 private key, as a {@code v1a} entry.
     *
     * @param key the Ed25519 private key
     * @param id the message id
     * @param timestamp Unix seconds
     * @param body the raw body
     * @return the header value, {@code v1a,} and the base64 signature
     * @throws IllegalArgumentException if the key is not an Ed25519 private key
     */
    public static String signEd25519(PrivateKey key, String id, long timestamp, byte[] body) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(body, "body");
        String ts = Hmacs.signedTimestamp(SCHEME, timestamp);
        try {
            Signature signer = Signature.getInstance(ED25519);
            signer.initSign(key);
            signer.update(content(id, ts));
            signer.update(body);
            return ED25519_VERSION + "," + Base64.getEncoder().encodeToString(signer.sign());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(SCHEME + ": the private key is not an Ed25519 key "
                    + "(algorithm " + key.getAlgorithm() + ")");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is missing from this JDK", e);
        }
    }

    /**
     * Verifies a request's signature headers against its raw body.
     *
     * @param request the request
     * @throws SignatureException if a header is missing or malformed, the timestamp is outside
     *     the window, or no entry matches under any key
     */
    public void verify(WebhookRequest request) {
        verify(header(request, ID_HEADER), header(request, TIMESTAMP_HEADER),
                header(request, SIGNATURE_HEADER), request.body());
    }

    /**
     * Verifies signature entries against a message id, a timestamp and a raw body.
     *
     * @param id the {@code webhook-id} value
     * @param timestamp the {@code webhook-timestamp} value
     * @param signatures the {@code webhook-signature} value
     * @param body the raw body
     * @throws SignatureException if the id is empty, the timestamp is malformed or outside the
     *     window, there is no entry of this scheme's version, or none matches under any key
     */
    public void verify(String id, String timestamp, String signatures, byte[] body) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(signatures, "signatures");
        Objects.requireNonNull(body, "body");
        if (id.isEmpty()) {
            throw new SignatureException(SCHEME + ": header " + ID_HEADER + " is empty");
        }
        Hmacs.checkWindow(SCHEME, Hmacs.timestamp(SCHEME, timestamp), clock, window);
        List<String> entries = entries(signatures);
        boolean matched = hmacKeys.isEmpty()
                ? matchesEd25519(entries, id, timestamp, body)
                : matchesHmac(entries, id, timestamp, body);
        if (!matched) {
            int keys = hmacKeys.isEmpty() ? publicKeys.size() : hmacKeys.size();
            throw new SignatureException(SCHEME + ": none of the " + entries.size() + " "
                    + version() + " entries matches the message under any of the " + keys
                    + " key(s)");
        }
    }

    private List<String> entries(String signatures) {
        String prefix = version() + ",";
        List<String> entries = new ArrayList<>();
        for (String entry : signatures.split(" ")) {
            if (entry.startsWith(prefix)) {
                entries.add(entry.substring(prefix.length()));
            }
        }
        if (entries.isEmpty()) {
            throw new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " has no "
                    + version() + " entry ('" + Hmacs.abbreviate(signatures) + "')");
        }
        if (entries.size() > Hmacs.MAX_SIGNATURES) {
            throw new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " has "
                    + entries.size() + " " + version() + " entries, more than "
                    + Hmacs.MAX_SIGNATURES);
        }
        return entries;
    }

    private boolean matchesHmac(List<String> entries, String id, String timestamp, byte[] body) {
        List<byte[]> expected = new ArrayList<>(hmacKeys.size());
        for (byte[] key : hmacKeys) {
            expected.add(hmac(key, id, timestamp, body));
        }
        boolean matched = false;
        for (String entry : entries) {
            Optional<byte[]> presented = decode(entry);
            for (byte[] mac : expected) {
                matched |= presented.isPresent() && MessageDigest.isEqual(presented.get(), mac);
            }
        }
        return matched;
    }

    private boolean matchesEd25519(
            List<String> entries, String id, String timestamp, byte[] body) {
        for (String entry : entries) {
            Optional<byte[]> presented = decode(entry);
            for (PublicKey key : publicKeys) {
                if (presented.isPresent() && verifiesEd25519(key, presented.get(), id, timestamp,
                        body)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean verifiesEd25519(
            PublicKey key, byte[] signature, String id, String timestamp, byte[] body) {
        try {
            Signature verifier = Signature.getInstance(ED25519);
            verifier.initVerify(key);
            verifier.update(content(id, timestamp));
            verifier.update(body);
            return verifier.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is missing from this JDK", e);
        }
    }

    private static Optional<byte[]> decode(String base64) {
        try {
            return Optional.of(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] hmac(byte[] key, String id, String timestamp, byte[] body) {
        return Hmacs.sha256(key, content(id, timestamp), body);
    }

    private static byte[] content(String id, String timestamp) {
        return (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    }

    private static String header(WebhookRequest request, String name) {
        return request.header(name).orElseThrow(() ->
                new SignatureException(SCHEME + ": header " + name + " is missing"));
    }

    private static byte[] decodeSecret(Secret secret, int index) {
        String value = secret.reveal();
        String base64 = value.startsWith(SECRET_PREFIX)
                ? value.substring(SECRET_PREFIX.length()) : value;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length == 0) {
            throw new IllegalArgumentException(SCHEME + ": secret at index " + index
                    + " is not non-empty base64 after its optional " + SECRET_PREFIX + " prefix");
        }
        return key;
    }

    private static void checkEd25519(PublicKey key, int index) {
        try {
            Signature.getInstance(ED25519).initVerify(key);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(SCHEME + ": public key at index " + index
                    + " is not an Ed25519 key (algorithm " + key.getAlgorithm() + ")");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is missing from this JDK", e);
        }
        String weakness = Ed25519Points.weakness(asEdEc(key));
        if (weakness != null) {
            throw new IllegalArgumentException(SCHEME + ": public key at index " + index
                    + " is " + weakness + ", under which anyone could sign; it is not a real "
                    + "sender's key");
        }
    }

    // Keys of other providers are read through their X.509 encoding.
    private static EdECPublicKey asEdEc(PublicKey key) {
        if (key instanceof EdECPublicKey edec) {
            return edec;
        }
        try {
            return (EdECPublicKey) KeyFactory.getInstance(ED25519)
                    .generatePublic(new X509EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(SCHEME + ": an Ed25519 public key cannot be "
                    + "read from its X.509 encoding", e);
        }
    }

    private String version() {
        return hmacKeys.isEmpty() ? ED25519_VERSION : HMAC_VERSION;
    }

    @Override
    public String toString() {
        return hmacKeys.isEmpty()
                ? "StandardWebhooksSignature[v1a, window " + window + ", " + publicKeys.size()
                        + " public key(s)]"
                : "StandardWebhooksSignature[v1, window " + window + ", " + hmacKeys.size()
                        + " secret(s)]";
    }
}
