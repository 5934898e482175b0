package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A generated Google service account for tests: a fresh RSA-2048 key pair and a JSON key file
 * shaped exactly like the ones the Google Cloud console hands out, pointing at a fake token
 * endpoint.
 *
 * <pre>{@code
 * try (FakeSheetsServer sheets = FakeSheetsServer.start()) {
 *     TestServiceAccount account = sheets.newServiceAccount();   // generated and registered
 *     engine.connections().put(account.connection());
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #toString()} never shows the private key.
 */
public final class TestServiceAccount {

    /** The connection secret the Google Sheets service reads the key from. */
    public static final String KEY_SECRET = "service-account-json";

    private static final SecureRandom RANDOM = new SecureRandom();
    /** A liberal shape: a local part, {@code @}, and a domain with at least one dot. */
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");

    private final String clientEmail;
    private final String tokenUri;
    private final KeyPair keyPair;
    private final String privateKeyId;
    private final String clientId;

    private TestServiceAccount(String clientEmail, String tokenUri, KeyPair keyPair) {
        this.clientEmail = clientEmail;
        this.tokenUri = tokenUri;
        this.keyPair = keyPair;
        this.privateKeyId = HexFormat.of().formatHex(randomBytes(20));
        this.clientId = "1" + String.format("%020d", RANDOM.nextLong() & Long.MAX_VALUE);
    }

    /**
     * Generates an account with a new key pair. It is not registered with any fake; see
     * {@link #registerWith(FakeSheetsServer)}.
     *
     * @param clientEmail the account's email, such as
     *     {@code recipes-test@my-project.iam.gserviceaccount.com}
     * @param tokenUri the token endpoint written into the key file, usually
     *     {@link FakeSheetsServer#tokenUrl()}
     * @return the account
     * @throws IllegalArgumentException if the email does not look like an email, or the token
     *     URI is not an absolute {@code http} or {@code https} URL
     */
    public static TestServiceAccount generate(String clientEmail, String tokenUri) {
        requireEmail(clientEmail, "test service account");
        requireHttpUrl(tokenUri);
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return new TestServiceAccount(clientEmail, tokenUri, generator.generateKeyPair());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("test service account: this JVM has no RSA", e);
        }
    }

    /**
     * Lets a fake accept tokens signed with this account's key.
     *
     * @param fake the fake server
     * @return this account
     */
    public TestServiceAccount registerWith(FakeSheetsServer fake) {
        fake.registerServiceAccount(clientEmail, keyPair.getPublic());
        return this;
    }

    /**
     * Returns the account's email, the {@code client_email} of the key file.
     *
     * @return the email
     */
    public String clientEmail() {
        return clientEmail;
    }

    /**
     * Returns the key's id, the {@code private_key_id} of the key file.
     *
     * @return 40 hex digits
     */
    public String privateKeyId() {
        return privateKeyId;
    }

    /**
     * Returns the public key, for a fake to check signatures with.
     *
     * @return the RSA public key
     */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /**
     * Returns the private key.
     *
     * @return the RSA private key
     */
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /**
     * Returns the text of the JSON key file, with the fields Google writes: {@code type},
     * {@code project_id}, {@code private_key_id}, {@code private_key} (PKCS#8 PEM),
     * {@code client_email}, {@code client_id}, {@code auth_uri}, {@code token_uri},
     * {@code auth_provider_x509_cert_url}, {@code client_x509_cert_url} and
     * {@code universe_domain}.
     *
     * @return pretty-printed JSON
     */
    public String keyJson() {
        ObjectNode key = Answer.JSON.createObjectNode();
        key.put("type", "service_account");
        key.put("project_id", projectId());
        key.put("private_key_id", privateKeyId);
        key.put("private_key", pem());
        key.put("client_email", clientEmail);
        key.put("client_id", clientId);
        key.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
        key.put("token_uri", tokenUri);
        key.put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
        key.put("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/"
                + URLEncoder.encode(clientEmail, StandardCharsets.UTF_8));
        key.put("universe_domain", "googleapis.com");
        return key.toPrettyString() + "\n";
    }

    /**
     * Writes the JSON key file.
     *
     * @param file where to write it; replaced if it exists
     * @return the file
     * @throws UncheckedIOException if the file cannot be written
     */
    public Path writeKeyFile(Path file) {
        Objects.requireNonNull(file, "test service account: key file path is null");
        try {
            return Files.writeString(file, keyJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("test service account: cannot write '" + file + "'",
                    e);
        }
    }

    /**
     * Returns a {@code google-sheets} connection holding this account's key, as
     * {@code GoogleSheets.serviceAccountJson(connectionId, keyJson())} would build it.
     *
     * @param connectionId the connection's id
     * @return the connection
     */
    public Connection connection(String connectionId) {
        return Connection.builder("google-sheets", connectionId)
                .setting("client-email", clientEmail)
                .secret(KEY_SECRET, keyJson())
                .build();
    }

    /**
     * Returns the {@code default} {@code google-sheets} connection holding this account's key.
     *
     * @return the connection
     */
    public Connection connection() {
        return connection("default");
    }

    /**
     * Checks that a text looks like an email, as a service account's {@code client_email} does.
     *
     * @param clientEmail the text
     * @param subject what the message starts with, such as {@code fake sheets server}
     * @return the email
     */
    static String requireEmail(String clientEmail, String subject) {
        Objects.requireNonNull(clientEmail, () -> subject + ": client email is null");
        if (!EMAIL.matcher(clientEmail).matches()) {
            throw new IllegalArgumentException(subject + ": client email '" + clientEmail
                    + "' does not look like an email, such as "
                    + "robot@my-project.iam.gserviceaccount.com");
        }
        return clientEmail;
    }

    private static void requireHttpUrl(String tokenUri) {
        Objects.requireNonNull(tokenUri, "test service account: token uri is null");
        URI uri;
        try {
            uri = new URI(tokenUri);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null
                || !"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("test service account: token uri '" + tokenUri
                    + "' is not an absolute http or https URL");
        }
    }

    private String projectId() {
        int at = clientEmail.indexOf('@');
        int dot = clientEmail.indexOf('.', at + 1);
        return at >= 0 && dot > at + 1 ? clientEmail.substring(at + 1, dot) : "recipes-test";
    }

    private String pem() {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(keyPair.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "TestServiceAccount[" + clientEmail + ", kid=" + privateKeyId + "]";
    }
}
