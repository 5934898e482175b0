package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** Writes JWT bearer assertions by hand, to probe the fake's token endpoint. */
final class JwtFixture {

    static final String SCOPE = "https://www.googleapis.com/auth/spreadsheets";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private JwtFixture() {
    }

    static ObjectNode claims(String issuer, String audience, long issuedAt, long expiresAt) {
        return JSON.createObjectNode().put("iss", issuer).put("scope", SCOPE)
                .put("aud", audience).put("exp", expiresAt).put("iat", issuedAt);
    }

    static String sign(ObjectNode claims, PrivateKey key) {
        return sign("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims, key);
    }

    static String sign(String header, ObjectNode claims, PrivateKey key) {
        String input = BASE64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + BASE64URL.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(key);
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + BASE64URL.encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String form(String assertion) {
        return "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
                + assertion;
    }
}
