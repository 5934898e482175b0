package dev.recipes.sheets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Service-account keys for tests: a fresh RSA key pair and a key file shaped like Google's. */
final class KeyFixture {

    static final String CLIENT_EMAIL = "recipes-test@recipes-test.iam.gserviceaccount.com";

    private static final ObjectMapper JSON = new ObjectMapper();

    final KeyPair keyPair;
    final String privateKeyId = "0123456789abcdef0123456789abcdef01234567";

    private KeyFixture(KeyPair keyPair) {
        this.keyPair = keyPair;
    }

    static KeyFixture generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new KeyFixture(generator.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String pem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(keyPair.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    }

    /** The key's base64 body without line breaks, to check that no message carries it. */
    String pemBodyStart() {
        return Base64.getEncoder().encodeToString(keyPair.getPrivate().getEncoded())
                .substring(0, 40);
    }

    ObjectNode keyFile(String tokenUri) {
        ObjectNode file = JSON.createObjectNode();
        file.put("type", "service_account");
        file.put("project_id", "recipes-test");
        file.put("private_key_id", privateKeyId);
        file.put("private_key", pem());
        file.put("client_email", CLIENT_EMAIL);
        file.put("client_id", "100000000000000000001");
        file.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
        file.put("token_uri", tokenUri);
        return file;
    }

    String keyJson(String tokenUri) {
        return keyFile(tokenUri).toPrettyString();
    }
}
