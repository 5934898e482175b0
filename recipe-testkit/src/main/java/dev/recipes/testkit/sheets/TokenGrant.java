package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a JWT bearer grant the way Google's token endpoint does: the form, the RS256 signature
 * against the service account's registered keys, the audience, the lifetime and the scope.
 */
final class TokenGrant {

    static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /** How far in the future {@code iat} may be; Google has been seen to accept 300 s. */
    static final long MAX_FUTURE_SECONDS = 300;

    static final String SHORT_LIVED = "Invalid JWT: Token must be a short-lived token "
            + "(60 minutes) and in a reasonable timeframe. Check your iat and exp values in the "
            + "JWT claim.";

    /**
     * The outcome: the account and scopes granted, or the refusal to send.
     *
     * @param clientEmail the service account, when granted
     * @param scopes the scopes asked for, when granted
     * @param refusal the error answer, when refused
     */
    record Outcome(String clientEmail, Set<String> scopes, Answer refusal) {

        static Outcome refuse(String error, String description) {
            return new Outcome(null, Set.of(), Answer.oauthError(400, error, description));
        }
    }

    private TokenGrant() {
    }

    /**
     * Checks a token request.
     *
     * @param form the form body
     * @param accounts the registered public keys by service-account email
     * @param tokenUrl the audience the assertion must name
     * @param now the fake's current time
     * @return the outcome
     */
    static Outcome check(String form, Map<String, List<PublicKey>> accounts, String tokenUrl,
            Instant now) {
        Map<String, String> fields;
        try {
            fields = parseForm(form);
        } catch (IllegalArgumentException e) {
            return Outcome.refuse("invalid_request", "Malformed form body");
        }
        String grantType = fields.get("grant_type");
        if (grantType == null) {
            return Outcome.refuse("invalid_request", "Missing required parameter: grant_type");
        }
        if (!GRANT_TYPE.equals(grantType)) {
            return Outcome.refuse("unsupported_grant_type", "Invalid grant_type: " + grantType);
        }
        String assertion = fields.get("assertion");
        if (assertion == null || assertion.isEmpty()) {
            return Outcome.refuse("invalid_request", "Missing required parameter: assertion");
        }
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            return Outcome.refuse("invalid_grant", "Invalid JWT: not three dot-separated parts");
        }
        JsonNode header = decode(parts[0]);
        JsonNode claims = decode(parts[1]);
        if (header == null || claims == null) {
            return Outcome.refuse("invalid_grant", "Invalid JWT: a part is not base64url JSON");
        }
        if (!"RS256".equals(header.path("alg").asText())) {
            return Outcome.refuse("invalid_grant", "Invalid JWT: alg must be RS256");
        }
        return checkClaims(parts, claims, accounts, tokenUrl, now);
    }

    private static Outcome checkClaims(String[] parts, JsonNode claims,
            Map<String, List<PublicKey>> accounts, String tokenUrl, Instant now) {
        String issuer = claims.path("iss").asText("");
        List<PublicKey> keys = accounts.get(issuer);
        if (keys == null) {
            return Outcome.refuse("invalid_grant", "Invalid grant: account not found");
        }
        if (!verifies(parts[0] + "." + parts[1], parts[2], keys)) {
            return Outcome.refuse("invalid_grant", "Invalid JWT Signature.");
        }
        if (!tokenUrl.equals(claims.path("aud").asText())) {
            return Outcome.refuse("invalid_grant", "Invalid JWT: Failed audience check. The "
                    + "expected value was " + tokenUrl);
        }
        JsonNode iat = claims.get("iat");
        JsonNode exp = claims.get("exp");
        if (iat == null || exp == null || !iat.canConvertToLong() || !exp.canConvertToLong()) {
            return Outcome.refuse("invalid_grant", SHORT_LIVED);
        }
        long issuedAt = iat.asLong();
        long expiresAt = exp.asLong();
        long nowSeconds = now.getEpochSecond();
        if (expiresAt <= issuedAt || expiresAt - issuedAt > 3600 || expiresAt <= nowSeconds
                || issuedAt > nowSeconds + MAX_FUTURE_SECONDS) {
            return Outcome.refuse("invalid_grant", SHORT_LIVED);
        }
        String scope = claims.path("scope").asText("").strip();
        if (scope.isEmpty()) {
            return Outcome.refuse("invalid_scope", "Invalid OAuth scope or ID token audience "
                    + "provided.");
        }
        return new Outcome(issuer, Set.of(scope.split("\\s+")), null);
    }

    private static boolean verifies(String input, String signature, List<PublicKey> keys) {
        byte[] signatureBytes;
        try {
            signatureBytes = Base64.getUrlDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (PublicKey key : keys) {
            try {
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(key);
                verifier.update(input.getBytes(StandardCharsets.US_ASCII));
                if (verifier.verify(signatureBytes)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a key that cannot verify this signature does not match it
            }
        }
        return false;
    }

    private static JsonNode decode(String part) {
        try {
            JsonNode node = Answer.JSON.readTree(Base64.getUrlDecoder().decode(part));
            return node != null && node.isObject() ? node : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static Map<String, String> parseForm(String form) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : form.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                fields.putIfAbsent(URLDecoder.decode(pair.substring(0, equals),
                        StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(equals + 1),
                        StandardCharsets.UTF_8));
            }
        }
        return fields;
    }
}
