package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the fake and its service accounts answer when called with arguments they cannot use. */
final class FakeSheetsServerArgumentsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final FakeSheetsServer fake = FakeSheetsServer.start();

    @AfterEach
    void stop() {
        fake.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "a/b", "1AbC?x", "1AbC%2F", "1AbC\n"})
    void rejectsSpreadsheetIdGoogleWouldNotIssue(String id) {
        assertThatThrownBy(() -> fake.createSpreadsheet(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("fake sheets server: spreadsheet id '"
                        + id.replace("\n", "\\n") + "' is not a Google spreadsheet id")
                .hasMessageContaining("letters, digits, '-' and '_'");
    }

    @Test
    void acceptsSpreadsheetIdOfLettersDigitsDashesAndUnderscores() {
        assertThatCode(() -> fake.createSpreadsheet("1AbC-d_E9", "Log"))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsNullSheetName() {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", "Log", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet name at index 1 is "
                        + "null");
    }

    @Test
    void rejectsNullSheetNameArray() {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", (String[]) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet names array is null");
    }

    @Test
    void rejectsRangeGivenAsSheetName() {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", "Log!A1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet name 'Log!A1' holds "
                        + "'!'; give the sheet's name, not a range");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsBlankSheetName(String name) {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet name '" + name
                        + "' is blank");
    }

    @Test
    void rejectsSheetNameOverOneHundredCharacters() {
        String longest = "x".repeat(100);

        assertThatCode(() -> fake.createSpreadsheet("1AbC", longest))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", longest + "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("is longer than 100 characters");
    }

    @Test
    void rejectsSheetNameWithLineBreak() {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", "Log\nA"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet name 'Log\\nA' holds "
                        + "a control character");
    }

    @Test
    void rejectsSameSheetNameTwiceInAnyCase() {
        assertThatThrownBy(() -> fake.createSpreadsheet("1AbC", "Log", "log"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: spreadsheet '1AbC': sheet name 'log' is given "
                        + "twice (names are unique regardless of case)");
    }

    @Test
    void acceptsSheetNameThatNeedsQuotingInRanges() {
        assertThatCode(() -> fake.createSpreadsheet("1AbC", "Order log", "O'Brien's"))
                .doesNotThrowAnyException();
    }

    @Test
    void rowsRejectsNullIds() {
        assertThatThrownBy(() -> fake.rows(null, "Log"))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("spreadsheetId");
        assertThatThrownBy(() -> fake.rows("1AbC", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("sheetName");
    }

    @Test
    void rejectsInjectedHeaderWithLineBreakAndQueuesNothing() throws Exception {
        Map<String, String> headers = Map.of("Retry-After", "1\r\nX: y");

        assertThatThrownBy(() -> fake.failNextAppend(503, "{}", headers))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: header 'Retry-After' value '1\\r\\nX: y' holds a "
                        + "control character or one outside ISO-8859-1 at index 1");
        assertThat(postAppend().statusCode()).as("no failure queued, so the missing token counts")
                .isEqualTo(401);
    }

    @Test
    void rejectsInjectedHeaderNameThatIsNotAToken() {
        assertThatThrownBy(() -> fake.failNextAppend(503, "{}", Map.of("Retry After", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("fake sheets server: header name 'Retry After' is not an "
                        + "HTTP token");
    }

    @Test
    void rejectsInjectedHeaderThatFramesTheBody() {
        assertThatThrownBy(() -> fake.failNextAppend(503, "{}", Map.of("Content-Length", "9")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake sheets server: header 'Content-Length' cannot be set; the fake "
                        + "frames the body itself");
    }

    @Test
    void rejectsInjectedHeaderWithNullValue() {
        Map<String, String> headers = new HashMap<>();
        headers.put("Retry-After", null);

        assertThatThrownBy(() -> fake.failNextAppend(503, "{}", headers))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: header 'Retry-After' has a null value");
    }

    @Test
    void rejectsNullInjectedHeaders() {
        assertThatThrownBy(() -> fake.failNextAppend(503, "{}", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: headers is null; give Map.of() for none");
    }

    @Test
    void injectedContentTypeReplacesJson() throws Exception {
        fake.failNextAppend(502, "<html>Bad Gateway</html>",
                Map.of("Content-Type", "text/html", "Retry-After", "3"));

        HttpResponse<String> response = postAppend();

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().allValues("Content-Type")).containsExactly("text/html");
        assertThat(response.headers().firstValue("Retry-After")).contains("3");
        assertThat(response.body()).isEqualTo("<html>Bad Gateway</html>");
    }

    @Test
    void rejectsNullTokenLifetime() {
        FakeSheetsServer.Builder builder = FakeSheetsServer.builder();

        assertThatThrownBy(() -> builder.tokenLifetime(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: token lifetime is null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "robot", "robot@", "@my-project.iam.gserviceaccount.com",
            "robot@localhost", "ro bot@my-project.iam.gserviceaccount.com", "a@b@c.com"})
    void rejectsServiceAccountEmailThatIsNotAnEmail(String email) {
        assertThatThrownBy(() -> fake.newServiceAccount(email))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("test service account: client email '" + email + "' does not look "
                        + "like an email, such as robot@my-project.iam.gserviceaccount.com");
    }

    @Test
    void rejectsRegisteringKeyForANonEmail() {
        TestServiceAccount account = fake.newServiceAccount();

        assertThatThrownBy(() -> fake.registerServiceAccount("robot", account.publicKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("fake sheets server: client email 'robot' does not look "
                        + "like an email");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/token", "ftp://127.0.0.1/token", "http://", "not a url"})
    void rejectsTokenUriThatIsNotAnHttpUrl(String tokenUri) {
        assertThatThrownBy(() -> TestServiceAccount.generate(
                "robot@my-project.iam.gserviceaccount.com", tokenUri))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("test service account: token uri '" + tokenUri + "' is not an "
                        + "absolute http or https URL");
    }

    @Test
    void rejectsNullKeyFilePath() {
        TestServiceAccount account = fake.newServiceAccount();

        assertThatThrownBy(() -> account.writeKeyFile(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("test service account: key file path is null");
    }

    private HttpResponse<String> postAppend() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(fake.apiUrl()
                        + "/v4/spreadsheets/1AbC/values/Log%21A1:append?valueInputOption=RAW"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"values\":[[1]]}"))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
