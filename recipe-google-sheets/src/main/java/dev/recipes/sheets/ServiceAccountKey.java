package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.RecipeException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * The parts of a Google service-account key file (JSON) that signing in needs.
 *
 * <p>{@link #toString()} shows the account, never the key.
 *
 * @param clientEmail the service account's email, the JWT's issuer
 * @param privateKeyId the key's id, sent as the JWT's {@code kid}, or {@code null}
 * @param privateKey the RSA private key
 * @param tokenUri the token endpoint the key file names, or {@code null}
 */
record ServiceAccountKey(String clientEmail, String privateKeyId, PrivateKey privateKey,
        URI tokenUri) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    /** Checks the parts. */
    ServiceAccountKey {
        Objects.requireNonNull(clientEmail, "clientEmail");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Parses the text of a key file. Error messages never quote the key or the JSON text.
     *
     * @param json the key file's content
     * @param subject what the text is, starting each error message, such as
     *     {@code service-account key file '/etc/key.json'}
     * @return the key
     * @throws RecipeException if the text is not JSON, is not a service-account key, lacks a
     *     field, or its private key is not an RSA key in PKCS#8 PEM
     */
    static ServiceAccountKey parse(String json, String subject) {
        JsonNode root = readJson(json, subject);
        String type = root.path("type").asText("");
        if (!"service_account".equals(type)) {
            throw new RecipeException(subject + ": 'type' is '" + type + "', not "
                    + "'service_account'; download a JSON key of a service account from the "
                    + "Google Cloud console");
        }
        String clientEmail = requireField(root, "client_email", subject);
        String pem = requireField(root, "private_key", subject);
        String privateKeyId = root.hasNonNull("private_key_id")
                ? requireField(root, "private_key_id", subject) : null;
        URI tokenUri = root.hasNonNull("token_uri")
                ? tokenUri(requireField(root, "token_uri", subject), subject) : null;
        return new ServiceAccountKey(clientEmail, privateKeyId, privateKey(pem, subject),
                tokenUri);
    }

    private static JsonNode readJson(String json, String subject) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) {
                throw new RecipeException(subject + ": is not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the text around the error, which may be the key: only
            // the position is kept, and the cause is dropped.
            JsonLocation at = e.getLocation();
            throw new RecipeException(subject + ": is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        }
    }

    private static String requireField(JsonNode root, String field, String subject) {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            throw new RecipeException(subject + ": field '" + field + "' is missing");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new RecipeException(subject + ": field '" + field
                    + "' must be non-empty text");
        }
        return value.asText();
    }

    private static URI tokenUri(String text, String subject) {
        try {
            URI uri = new URI(text);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                    && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new RecipeException(subject + ": field 'token_uri' value '" + text
                + "' is not an http(s) URL");
    }

    private static PrivateKey privateKey(String pem, String subject) {
        String text = pem.strip();
        if (text.startsWith("-----BEGIN RSA PRIVATE KEY-----")) {
            throw new RecipeException(subject + ": field 'private_key' is a PKCS#1 key; "
                    + "convert it with 'openssl pkcs8 -topk8 -nocrypt' or download a new "
                    + "JSON key");
        }
        if (!text.startsWith(PEM_BEGIN) || !text.endsWith(PEM_END)) {
            throw new RecipeException(subject + ": field 'private_key' is not a PEM block "
                    + "starting with '" + PEM_BEGIN + "'");
        }
        String base64 = text.substring(PEM_BEGIN.length(), text.length() - PEM_END.length());
        try {
            byte[] der = Base64.getMimeDecoder().decode(base64);
            PrivateKey key = KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(der));
            if (!(key instanceof RSAPrivateKey rsa) || rsa.getModulus().bitLength() < 2048) {
                throw new RecipeException(subject + ": field 'private_key' is not an RSA key "
                        + "of at least 2048 bits");
            }
            return key;
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // The cause is dropped: its message may carry bytes of the key.
            throw new RecipeException(subject + ": field 'private_key' is not a valid PKCS#8 "
                    + "RSA private key");
        }
    }

    @Override
    public String toString() {
        return "ServiceAccountKey[" + clientEmail + ", kid=" + privateKeyId + ", tokenUri="
                + tokenUri + "]";
    }
}
