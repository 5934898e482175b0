package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Writes the RS256-signed JWT a service account trades for an access token (the OAuth 2.0
 * JWT bearer grant, RFC 7523).
 *
 * <p>Header and claims are compact JSON in a fixed key order, base64url-encoded without
 * padding, so the signing input is the same bytes for the same inputs.
 */
final class Jwt {

    /** The scope that lets a token read and write the user's spreadsheets. */
    static final String SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets";

    /** How far back {@code iat} is set, so that a host clock a little ahead is accepted. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    /** The longest lifetime Google accepts for an assertion. */
    static final Duration LIFETIME = Duration.ofHours(1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private Jwt() {
    }

    /**
     * Writes and signs the assertion for a service account.
     *
     * @param key the service account's key
     * @param audience the token endpoint's URL
     * @param now the current time; {@code iat} is {@link #CLOCK_SKEW} earlier
     * @return the compact JWT: header, claims and signature, joined by '.'
     */
    static String assertion(ServiceAccountKey key, String audience, Instant now) {
        long issuedAt = now.minus(CLOCK_SKEW).getEpochSecond();
        String input = signingInput(header(key.privateKeyId()), claims(key.clientEmail(),
                SHEETS_SCOPE, audience, issuedAt + LIFETIME.toSeconds(), issuedAt));
        return input + "." + sign(input, key.privateKey());
    }

    /**
     * Builds the header.
     *
     * @param keyId the key's id, sent as {@code kid}, or {@code null} to leave it out
     * @return {@code {"alg":"RS256","typ":"JWT"}}, with {@code kid} last when given
     */
    static ObjectNode header(String keyId) {
        ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT");
        if (keyId != null) {
            header.put("kid", keyId);
        }
        return header;
    }

    /**
     * Builds the claims, in the order Google's documentation shows them.
     *
     * @param issuer the service account's email
     * @param scope space-separated scopes
     * @param audience the token endpoint's URL
     * @param expiresAt {@code exp}, in epoch seconds
     * @param issuedAt {@code iat}, in epoch seconds
     * @return the claims {@code iss, scope, aud, exp, iat}
     */
    static ObjectNode claims(String issuer, String scope, String audience, long expiresAt,
            long issuedAt) {
        return JSON.createObjectNode().put("iss", issuer).put("scope", scope)
                .put("aud", audience).put("exp", expiresAt).put("iat", issuedAt);
    }

    /**
     * Encodes one part of the token.
     *
     * @param part a JSON object
     * @return base64url without padding of its compact JSON in UTF-8
     */
    static String encode(ObjectNode part) {
        try {
            return BASE64URL.encodeToString(JSON.writeValueAsBytes(part));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JWT: a JSON object could not be written", e);
        }
    }

    /**
     * Builds what is signed.
     *
     * @param header the header
     * @param claims the claims
     * @return {@code base64url(header) + "." + base64url(claims)}
     */
    static String signingInput(ObjectNode header, ObjectNode claims) {
        return encode(header) + "." + encode(claims);
    }

    /**
     * Signs with RSASSA-PKCS1-v1_5 over SHA-256.
     *
     * @param signingInput the text to sign, taken as ASCII
     * @param key an RSA private key
     * @return the signature, base64url without padding
     */
    static String sign(String signingInput, PrivateKey key) {
        try {
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(key);
            signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return BASE64URL.encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JWT: SHA256withRSA signing failed: "
                    + e.getClass().getSimpleName(), null);
        }
    }
}
