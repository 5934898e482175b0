package dev.recipes.core.signature;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * GitHub's webhook signing: HMAC-SHA256 with the webhook secret over the raw body, sent as
 * {@code X-Hub-Signature-256: sha256=<lowercase hex>}.
 *
 * <p>GitHub sends no timestamp, so this scheme has no replay window. Several secrets may be
 * given, to rotate one without downtime: a signature valid under any of them passes, and
 * {@link #sign(byte[])} uses the first. Verification compares in constant time. Instances are
 * immutable and thread-safe.
 */
public final class GitHubSignature {

    /** The header carrying the signature. */
    public static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

    private static final String SCHEME = "github signature";
    private static final String PREFIX = "sha256=";

    private final List<Secret> secrets;

    private GitHubSignature(List<Secret> secrets) {
        this.secrets = Hmacs.secrets(secrets);
    }

    /**
     * Returns the scheme for one or more webhook secrets.
     *
     * @param first the secret that signs, and the first one tried
     * @param more further secrets that verify, such as the one being rotated out
     * @return the scheme
     */
    public static GitHubSignature of(Secret first, Secret... more) {
        return new GitHubSignature(Hmacs.secrets(first, more));
    }

    /**
     * Returns the scheme for a list of webhook secrets.
     *
     * @param secrets the secrets, not empty; the first one signs
     * @return the scheme
     * @throws IllegalArgumentException if the list is empty
     */
    public static GitHubSignature of(List<Secret> secrets) {
        return new GitHubSignature(secrets);
    }

    /**
     * Signs a body as GitHub does, with the first secret.
     *
     * @param body the raw body
     * @return the header value, {@code sha256=} and 64 lowercase hex digits
     */
    public String sign(byte[] body) {
        Objects.requireNonNull(body, "body");
        return PREFIX + HexFormat.of().formatHex(Hmacs.sha256(secrets.get(0).bytes(), body));
    }

    /**
     * Verifies a request's signature header against its raw body.
     *
     * @param request the request
     * @throws SignatureException if the header is missing or malformed, or the signature does
     *     not match under any secret
     */
    public void verify(WebhookRequest request) {
        String signature = request.header(SIGNATURE_HEADER).orElseThrow(() ->
                new SignatureException(SCHEME + ": header " + SIGNATURE_HEADER + " is missing"));
        verify(signature, request.body());
    }

    /**
     * Verifies a signature against a raw body.
     *
     * @param signature the {@code X-Hub-Signature-256} value
     * @param body the raw body
     * @throws SignatureException if the signature is malformed or does not match under any
     *     secret
     */
    public void verify(String signature, byte[] body) {
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(body, "body");
        byte[] presented = parseSignature(signature);
        boolean matched = false;
        for (Secret secret : secrets) {
            matched |= MessageDigest.isEqual(presented, Hmacs.sha256(secret.bytes(), body));
        }
        if (!matched) {
            throw new SignatureException(SCHEME + ": does not match the body under any of the "
                    + secrets.size() + " secret(s)");
        }
    }

    private static byte[] parseSignature(String signature) {
        String hex = signature.startsWith(PREFIX) ? signature.substring(PREFIX.length()) : "";
        if (hex.length() != 64 || !Hmacs.isLowerHex(hex)) {
            throw new SignatureException(SCHEME + ": " + SIGNATURE_HEADER + " is not of the form "
                    + "sha256=<64 lowercase hex digits>");
        }
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public String toString() {
        return "GitHubSignature[sha256, " + secrets.size() + " secret(s) " + secrets + "]";
    }
}
