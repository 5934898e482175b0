package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

final class JwtTest {

    private static final KeyFixture KEY = KeyFixture.generate();
    private static final ObjectMapper JSON = new ObjectMapper();

    // Vector G1 of PROVIDERS.md.
    private static final String G1_ISSUER =
            "761326798069-r5mljlln1rd4lrbhg75efgigp36m78j5@developer.gserviceaccount.com";
    private static final String G1_HEADER = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";
    private static final String G1_CLAIMS = "eyJpc3MiOiI3NjEzMjY3OTgwNjktcjVtbGpsbG4xcmQ0bHJiaGc3"
            + "NWVmZ2lncDM2bTc4ajVAZGV2ZWxvcGVyLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi"
            + "8vd3d3Lmdvb2dsZWFwaXMuY29tL2F1dGgvc3ByZWFkc2hlZXRzIiwiYXVkIjoiaHR0cHM6Ly9vYXV0aDIu"
            + "Z29vZ2xlYXBpcy5jb20vdG9rZW4iLCJleHAiOjEzMjg1NTQzODUsImlhdCI6MTMyODU1MDc4NX0";
    private static final String G1_SHA256 =
            "9dfbda06f669a339af0a1b0d626f95ff62578230d5ddd605aab03e57b87fc68f";

    @Test
    void encodesHeaderOfVectorG1() {
        String header = Jwt.encode(Jwt.header(null));

        assertThat(header).isEqualTo(G1_HEADER);
    }

    @Test
    void encodesClaimsOfVectorG1() {
        String claims = Jwt.encode(Jwt.claims(G1_ISSUER, Jwt.SHEETS_SCOPE,
                "https://oauth2.googleapis.com/token", 1328554385, 1328550785));

        assertThat(claims).isEqualTo(G1_CLAIMS);
    }

    @Test
    void signingInputOfVectorG1_hasKnownLengthAndDigest() throws Exception {
        String input = Jwt.signingInput(Jwt.header(null), Jwt.claims(G1_ISSUER,
                Jwt.SHEETS_SCOPE, "https://oauth2.googleapis.com/token", 1328554385, 1328550785));

        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(input.getBytes(StandardCharsets.US_ASCII));
        assertThat(input).hasSize(328).isEqualTo(G1_HEADER + "." + G1_CLAIMS);
        assertThat(HexFormat.of().formatHex(digest)).isEqualTo(G1_SHA256);
    }

    @Test
    void signatureVerifiesWithThePublicKey() throws Exception {
        String input = Jwt.signingInput(Jwt.header(null), Jwt.claims(G1_ISSUER,
                Jwt.SHEETS_SCOPE, "https://oauth2.googleapis.com/token", 1328554385, 1328550785));

        String signature = Jwt.sign(input, KEY.keyPair.getPrivate());

        assertThat(signature).doesNotContain("=", "+", "/");
        assertThat(verify(input, signature)).isTrue();
        assertThat(verify(input.replace('J', 'K'), signature)).isFalse();
    }

    @Test
    void assertion_carriesKidAndBackdatedOneHourClaims() throws Exception {
        ServiceAccountKey key = new ServiceAccountKey(KeyFixture.CLIENT_EMAIL,
                KEY.privateKeyId, KEY.keyPair.getPrivate(), null);
        Instant now = Instant.parse("2024-05-01T12:00:00Z");

        String jwt = Jwt.assertion(key, "https://oauth2.example.test/token", now);

        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        assertThat(decode(parts[0]).toString()).isEqualTo(
                "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + KEY.privateKeyId + "\"}");
        JsonNode claims = decode(parts[1]);
        assertThat(claims.path("iss").asText()).isEqualTo(KeyFixture.CLIENT_EMAIL);
        assertThat(claims.path("scope").asText()).isEqualTo(Jwt.SHEETS_SCOPE);
        assertThat(claims.path("aud").asText()).isEqualTo("https://oauth2.example.test/token");
        assertThat(claims.path("iat").asLong()).isEqualTo(now.getEpochSecond() - 30);
        assertThat(claims.path("exp").asLong()).isEqualTo(now.getEpochSecond() - 30 + 3600);
        assertThat(verify(parts[0] + "." + parts[1], parts[2])).isTrue();
    }

    @Test
    void keyToString_hidesTheKey() {
        ServiceAccountKey key = new ServiceAccountKey(KeyFixture.CLIENT_EMAIL,
                KEY.privateKeyId, KEY.keyPair.getPrivate(), URI.create("https://t.test/token"));

        assertThat(key.toString()).contains(KeyFixture.CLIENT_EMAIL)
                .doesNotContain(KEY.pemBodyStart()).doesNotContain("modulus");
    }

    private static boolean verify(String input, String signature) throws Exception {
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(KEY.keyPair.getPublic());
        verifier.update(input.getBytes(StandardCharsets.US_ASCII));
        return verifier.verify(Base64.getUrlDecoder().decode(signature));
    }

    private static JsonNode decode(String part) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(part));
    }
}
