package dev.recipes.webhooks;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookRequest;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One sender of Standard Webhooks, as configured under {@code webhook.<name>.*}: the schemes
 * its requests are verified with. Immutable and thread-safe.
 *
 * @param name the source's name, the last segment of its webhook path
 * @param schemes the {@code v1} scheme of its secrets and the {@code v1a} scheme of its public
 *     keys, whichever are configured; a request passes if one of them verifies it
 */
record WebhookSource(String name, List<StandardWebhooksSignature> schemes) {

    /** What a source's name may be: it is a path segment, a key part and a type part. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    static final String SECRETS = "secrets";
    static final String PUBLIC_KEYS = "public-keys";
    static final String TOLERANCE = "tolerance";

    private static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
    // Signature timestamps are whole seconds. The upper bound keeps a replayed request outside
    // the window well before its webhook-id could leave an idempotency store that keeps ids
    // for 24 hours, as the default stores do.
    private static final Duration MIN_TOLERANCE = Duration.ofSeconds(1);
    private static final Duration MAX_TOLERANCE = Duration.ofHours(1);
    private static final String PUBLIC_KEY_PREFIX = "whpk_";
    private static final int ED25519_KEY_BYTES = 32;
    // The DER header of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), which a raw
    // 32-byte key follows.
    private static final byte[] ED25519_X509_HEADER = HexFormat.of()
            .parseHex("302a300506032b6570032100");

    /**
     * Reads a source's settings.
     *
     * @param context the service's context
     * @param name the source's name, checked against {@link #NAME}
     * @return the source
     * @throws RecipeException if the source has neither secrets nor public keys, or a secret,
     *     key or tolerance is malformed; the message names the key, never a secret
     */
    static WebhookSource read(ServiceContext context, String name) {
        String prefix = WebhookService.ID + "." + name + ".";
        Duration tolerance = context.config(name + "." + TOLERANCE)
                .map(value -> ConfigValues.duration(prefix + TOLERANCE, value,
                        MIN_TOLERANCE, MAX_TOLERANCE))
                .orElse(DEFAULT_TOLERANCE);
        Clock clock = context.clock();
        List<StandardWebhooksSignature> schemes = new ArrayList<>();
        context.config(name + "." + SECRETS).map(value -> secrets(prefix + SECRETS, value))
                .ifPresent(schemes::add);
        context.config(name + "." + PUBLIC_KEYS)
                .map(value -> publicKeys(prefix + PUBLIC_KEYS, value))
                .ifPresent(schemes::add);
        if (schemes.isEmpty()) {
            throw new RecipeException("service '" + WebhookService.ID + "': source '" + name
                    + "' has no way to verify its requests; set config '" + prefix + SECRETS
                    + "' to its whsec_ secret(s) or '" + prefix + PUBLIC_KEYS + "' to its whpk_ "
                    + "public key(s)");
        }
        schemes.replaceAll(scheme -> scheme.withClock(clock).withWindow(tolerance));
        return new WebhookSource(name, List.copyOf(schemes));
    }

    /**
     * Verifies a request's signature with each scheme until one passes.
     *
     * @param request the request
     * @throws SignatureException if none passes; the message joins each scheme's reason
     */
    void verify(WebhookRequest request) {
        List<String> reasons = new ArrayList<>();
        for (StandardWebhooksSignature scheme : schemes) {
            try {
                scheme.verify(request);
                return;
            } catch (SignatureException e) {
                reasons.add(e.getMessage());
            }
        }
        throw new SignatureException(String.join("; ", reasons));
    }

    private static StandardWebhooksSignature secrets(String key, String value) {
        List<String> entries = ConfigValues.list(value);
        if (entries.isEmpty()) {
            throw new RecipeException("config '" + key + "': no secret is given");
        }
        List<Secret> secrets = entries.stream().map(Secret::of).toList();
        try {
            return StandardWebhooksSignature.of(secrets);
        } catch (IllegalArgumentException e) {
            // The scheme's message names the index of the bad secret, never its value.
            throw new RecipeException("config '" + key + "': " + e.getMessage());
        }
    }

    private static StandardWebhooksSignature publicKeys(String key, String value) {
        List<String> entries = ConfigValues.list(value);
        if (entries.isEmpty()) {
            throw new RecipeException("config '" + key + "': no public key is given");
        }
        List<PublicKey> keys = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            keys.add(publicKey(key, entries.get(i), i));
        }
        try {
            return StandardWebhooksSignature.ofPublicKeys(keys.get(0),
                    keys.subList(1, keys.size()).toArray(PublicKey[]::new));
        } catch (IllegalArgumentException e) {
            // Such as a key of small order, under which anyone could sign.
            throw new RecipeException("config '" + key + "': " + e.getMessage());
        }
    }

    private static PublicKey publicKey(String key, String entry, int index) {
        String base64 = entry.startsWith(PUBLIC_KEY_PREFIX)
                ? entry.substring(PUBLIC_KEY_PREFIX.length()) : entry;
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != ED25519_KEY_BYTES) {
            throw new RecipeException("config '" + key + "': key at index " + index + " is not "
                    + PUBLIC_KEY_PREFIX + " followed by the base64 of a 32-byte Ed25519 public "
                    + "key");
        }
        byte[] encoded = new byte[ED25519_X509_HEADER.length + raw.length];
        System.arraycopy(ED25519_X509_HEADER, 0, encoded, 0, ED25519_X509_HEADER.length);
        System.arraycopy(raw, 0, encoded, ED25519_X509_HEADER.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(
                    new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new RecipeException("config '" + key + "': key at index " + index
                    + " is not a valid Ed25519 public key", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookSource[" + name + ", " + schemes + "]";
    }
}
