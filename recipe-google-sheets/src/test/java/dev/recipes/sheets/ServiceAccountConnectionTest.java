package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ServiceAccountConnectionTest {

    private static final KeyFixture KEY = KeyFixture.generate();
    private static final String TOKEN_URI = "https://oauth2.googleapis.com/token";

    @TempDir
    Path dir;

    @Test
    void buildsConnectionFromKeyFile() throws IOException {
        Path file = write("key.json", KEY.keyJson(TOKEN_URI));

        Connection connection = GoogleSheets.serviceAccount("reporting", file);

        assertThat(connection.service()).isEqualTo("google-sheets");
        assertThat(connection.id()).isEqualTo("reporting");
        assertThat(connection.setting("client-email")).contains(KeyFixture.CLIENT_EMAIL);
        assertThat(connection.secret("service-account-json").orElseThrow().reveal())
                .isEqualTo(KEY.keyJson(TOKEN_URI));
        assertThat(connection.toString()).doesNotContain(KEY.pemBodyStart())
                .doesNotContain("PRIVATE KEY");
    }

    @Test
    void defaultsToTheDefaultConnection() throws IOException {
        Path file = write("key.json", KEY.keyJson(TOKEN_URI));

        Connection connection = GoogleSheets.serviceAccount(file);

        assertThat(connection.id()).isEqualTo("default");
    }

    @Test
    void buildsConnectionFromJsonText() {
        Connection connection = GoogleSheets.serviceAccountJson("ops", KEY.keyJson(TOKEN_URI));

        assertThat(connection.setting("client-email")).contains(KeyFixture.CLIENT_EMAIL);
    }

    @Test
    void rejectsMissingFile() {
        Path missing = dir.resolve("nope.json");

        assertThatThrownBy(() -> GoogleSheets.serviceAccount("default", missing))
                .isInstanceOf(RecipeException.class)
                .hasMessage("service-account key file '" + missing + "': does not exist");
    }

    @Test
    void rejectsDirectory() {
        assertThatThrownBy(() -> GoogleSheets.serviceAccount("default", dir))
                .hasMessageContaining("is a directory");
    }

    @Test
    void rejectsBadJson_withoutQuotingIt() throws IOException {
        String broken = KEY.keyJson(TOKEN_URI).replace("\"client_email\"", "client_email");
        Path file = write("broken.json", broken);

        assertThatThrownBy(() -> GoogleSheets.serviceAccount("default", file))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith("service-account key file '" + file
                        + "': is not valid JSON (line ")
                .hasNoCause()
                .message().doesNotContain(KEY.pemBodyStart());
    }

    @Test
    void rejectsMissingField() {
        ObjectNode file = KEY.keyFile(TOKEN_URI);
        file.remove("client_email");

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", file.toString()))
                .hasMessage("service-account key for connection 'default': field "
                        + "'client_email' is missing");
    }

    @Test
    void rejectsUserCredentials() {
        String userCredentials = "{\"type\":\"authorized_user\",\"client_id\":\"x\","
                + "\"client_secret\":\"y\",\"refresh_token\":\"z\"}";

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", userCredentials))
                .hasMessageContaining("'type' is 'authorized_user', not 'service_account'");
    }

    @Test
    void rejectsKeyThatIsNotPkcs8_withoutEchoingIt() {
        ObjectNode file = KEY.keyFile(TOKEN_URI);
        file.put("private_key", "-----BEGIN PRIVATE KEY-----\nTk9UIEEgS0VZ"
                + KEY.pemBodyStart() + "\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", file.toString()))
                .hasMessageEndingWith("field 'private_key' is not a valid PKCS#8 RSA private key")
                .hasNoCause()
                .message().doesNotContain(KEY.pemBodyStart());
    }

    @Test
    void rejectsPkcs1Key_withAFix() {
        ObjectNode file = KEY.keyFile(TOKEN_URI);
        file.put("private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"
                + "-----END RSA PRIVATE KEY-----\n");

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", file.toString()))
                .hasMessageContaining("is a PKCS#1 key; convert it with 'openssl pkcs8");
    }

    @Test
    void rejectsKeyWithoutPemArmour() {
        ObjectNode file = KEY.keyFile(TOKEN_URI);
        file.put("private_key", KEY.pemBodyStart());

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", file.toString()))
                .hasMessageContaining("field 'private_key' is not a PEM block")
                .message().doesNotContain(KEY.pemBodyStart());
    }

    @Test
    void rejectsTokenUriThatIsNotHttp() {
        ObjectNode file = KEY.keyFile("file:///etc/passwd");

        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", file.toString()))
                .hasMessageContaining("field 'token_uri' value 'file:///etc/passwd' is not an "
                        + "http(s) URL");
    }

    @Test
    void rejectsNonObjectJson() {
        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("default", "[1,2]"))
                .hasMessage("service-account key for connection 'default': is not a JSON object");
    }

    @Test
    void rejectsInvalidConnectionId() {
        assertThatThrownBy(() -> GoogleSheets.serviceAccountJson("Not Valid",
                KEY.keyJson(TOKEN_URI)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Not Valid'");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}
