package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.ActionException;
import dev.recipes.testkit.http.FakeHttpServer;
import java.time.Clock;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameters, connections and settings the http service refuses, and what it says. */
final class HttpBadInputTest {

    private static final String SECRET = "tok-5be0c1d9e2";

    private final FakeHttpServer api = FakeHttpServer.start();
    private final HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
            "allowed-private-hosts", "127.0.0.1");

    @AfterEach
    void closeServer() {
        api.close();
    }

    private ActionException permanent(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(ActionException.class)
                .hasMessageNotContaining(SECRET);
        ActionException e = (ActionException) thrown;
        assertThat(e.retryable()).isFalse();
        assertThat(api.requests()).isEmpty();
        return e;
    }

    private static final String NO_HOST = "parameter 'url' has no host that can be read: "
            + "expected http(s)://host[:port]/path with a host name (international names in "
            + "punycode), a dotted IPv4 address or a bracketed IPv6 one, and a port from 1 to "
            + "65535";

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "ftp://127.0.0.1/x        | parameter 'url' must be an http or https URL, not 'ftp:'",
        "/relative/path           | parameter 'url' must be an http or https URL, not a "
            + "relative one",
        "mailto:ops@example.invalid | parameter 'url' must be an http or https URL, not 'mailto:'",
        "http:///no-host          | " + NO_HOST,
        "http://bücher.invalid/   | " + NO_HOST,
        "http://127.1/            | " + NO_HOST,
        "http://0x7f.1/           | " + NO_HOST,
        "http://127.0.0.1.:80/    | " + NO_HOST,
        "http://host:p:80/        | " + NO_HOST,
        "http://u:p@127.0.0.1/    | parameter 'url' has user info ('user:password@'); give "
            + "credentials as headers of the connection",
        "http://127.0.0.1/#frag   | parameter 'url' has a fragment ('#...'), which is never sent",
        "http://127.0.0.1:99999/  | parameter 'url' has port 99999, not one from 1 to 65535",
        "http://127.0.0.1:0/      | parameter 'url' has port 0, not one from 1 to 65535",
        "http://127.0.0.1/a b     | parameter 'url' is not a valid URI (Illegal character in path)",
    })
    void refusesUrlsItCannotOrMustNotSendTo(String url, String reason) {
        ActionException e = permanent(() -> http.post(url, "{}", null));

        assertThat(e).hasMessage("action 'http/post': " + reason);
    }

    @Test
    void refusesAMissingUrlOrBody() {
        ObjectNode nullBody = HttpContextFixture.JSON.createObjectNode()
                .put("url", api.url("/")).putNull("body");

        ActionException noUrl = permanent(() -> http.post(null, "{}", null));
        ActionException noBody = permanent(() -> http.post(api.url("/"), null, null));
        ActionException nullValue = permanent(() -> http.postParams(nullBody, "default", null));

        assertThat(noUrl).hasMessage("action 'http/post': parameter 'url' must be non-empty "
                + "text");
        assertThat(noBody).hasMessage("action 'http/post': parameter 'body' is missing or null; "
                + "give a JSON value, such as {} for an empty object");
        assertThat(nullValue).hasMessage(noBody.getMessage());
    }

    @Test
    void namedConnectionMustExist() {
        ObjectNode params = HttpContextFixture.JSON.createObjectNode()
                .put("url", api.url("/")).put("body", "x");

        ActionException e = permanent(() -> http.postParams(params, "crm", null));

        assertThat(e).hasMessage("service 'http': connection 'crm' is not in the connection "
                + "store; add it with ConnectionStore.put()");
    }

    @Test
    void refusesConnectionEntriesThatAreNotHeaders() {
        Connection setting = Connection.builder("http", "crm").setting("timeout", "5").build();
        Connection secret = Connection.builder("http", "crm").secret("token", SECRET).build();

        assertThat(permanent(() -> http.post(api.url("/"), "{}", setting)))
                .hasMessage("action 'http/post': connection 'http/crm': setting 'timeout' is not "
                        + "'header.<Name>' or 'allowed-hosts'");
        assertThat(permanent(() -> http.post(api.url("/"), "{}", secret)))
                .hasMessage("action 'http/post': connection 'http/crm': secret 'token' is not "
                        + "'header.<Name>'");
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        "header.Host => header 'Host' is set by the action or the HTTP client, not by a "
            + "connection",
        "header.content-type => header 'content-type' is set by the action or the HTTP "
            + "client, not by a connection",
        "header.Bad Name => header 'Bad Name' is not an HTTP token (letters, digits and "
            + "!#$%&'*+-.^_`|~)",
        "header. => header '' is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
    })
    void refusesHeadersAConnectionMayNotSet(String key, String reason) {
        Connection connection = Connection.builder("http", "crm").secret(key, "value").build();

        ActionException e = permanent(() -> http.post(api.url("/"), "{}", connection));

        assertThat(e).hasMessage("action 'http/post': connection 'http/crm': " + reason);
    }

    @Test
    void refusesHeaderValuesThatCannotBeSentWithoutShowingThem() {
        Connection split = Connection.builder("http", "crm")
                .secret("header.Authorization", "Bearer " + SECRET + "\r\nX-Injected: 1")
                .build();
        Connection empty = Connection.builder("http", "crm").setting("header.X-Empty", "")
                .build();
        Connection twice = Connection.builder("http", "crm")
                .setting("header.X-Tenant", "a").secret("header.x-tenant", SECRET).build();

        assertThat(permanent(() -> http.post(api.url("/"), "{}", split)))
                .hasMessage("action 'http/post': connection 'http/crm': header 'Authorization' "
                        + "has a value with a control character or one outside ISO-8859-1 at "
                        + "index 21");
        assertThat(permanent(() -> http.post(api.url("/"), "{}", empty)))
                .hasMessage("action 'http/post': connection 'http/crm': header 'X-Empty' has "
                        + "an empty value");
        assertThat(permanent(() -> http.post(api.url("/"), "{}", twice)))
                .hasMessage("action 'http/post': connection 'http/crm': header 'x-tenant' is "
                        + "given twice, as a setting and as a secret, or in two cases");
    }

    @Test
    void refusesAConnectionHostListThatIsMalformedOrEmpty() {
        Connection malformed = Connection.builder("http", "crm")
                .setting("allowed-hosts", "crm.example.invalid:443").build();
        Connection empty = Connection.builder("http", "crm").setting("allowed-hosts", " ")
                .build();

        assertThat(permanent(() -> http.post(api.url("/"), "{}", malformed)))
                .hasMessage("action 'http/post': connection 'http/crm': setting 'allowed-hosts': "
                        + "entry 'crm.example.invalid:443' is not a host name, '*.suffix' or an "
                        + "IP address");
        assertThat(permanent(() -> http.post(api.url("/"), "{}", empty)))
                .hasMessage("action 'http/post': connection 'http/crm': setting 'allowed-hosts': "
                        + "it names no host");
    }

    @Test
    void malformedSettingsStopTheEngineFromStarting() {
        assertThatThrownBy(() -> engine("http.allowed-hosts", "https://api.example.invalid"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'http.allowed-hosts': entry 'https://api.example.invalid' is "
                        + "not a host name, '*.suffix', an IP address or '*'");
        assertThatThrownBy(() -> engine("http.allowed-private-hosts", "*"))
                .hasMessage("config 'http.allowed-private-hosts': entry '*' is not a host name, "
                        + "'*.suffix' or an IP address; private hosts are named one by one or "
                        + "by '*.suffix'");
        assertThatThrownBy(() -> engine("http.timeout", "forever"))
                .hasMessage("config 'http.timeout': 'forever' is not a duration from PT0.001S "
                        + "to PT10M, such as '30' (seconds) or 'PT30S'");
        assertThatThrownBy(() -> engine("http.max-response-bytes", "-1"))
                .hasMessage("config 'http.max-response-bytes': '-1' is not a number of bytes "
                        + "from 0 to 16777216");
        assertThatThrownBy(() -> engine("http.allowed-host", "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("service 'http' reads no such key");
    }

    private static void engine(String key, String value) {
        try (RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new HttpService()).config(key, value).build()) {
            engine.start();
        }
    }
}
