package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import dev.recipes.testkit.http.FakeHttpServer;
import dev.recipes.testkit.http.ReceivedRequest;
import dev.recipes.testkit.http.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The post action against a fake server on loopback: what it sends and how it classifies. */
final class HttpPostActionTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"),
            ZoneOffset.UTC);
    private static final String TOKEN = "tok-7f3a9c2e51";

    private final FakeHttpServer api = FakeHttpServer.start();
    private final HttpContextFixture http = HttpContextFixture.start(CLOCK,
            "allowed-private-hosts", "127.0.0.1");

    @AfterEach
    void closeServer() {
        api.close();
    }

    private static Connection crm() {
        return Connection.builder("http", "crm")
                .secret("header.Authorization", "Bearer " + TOKEN)
                .setting("header.X-Tenant", "acme")
                .build();
    }

    private static ActionException failure(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(ActionException.class);
        return (ActionException) thrown;
    }

    @Test
    void postsTheJsonBodyWithTheConnectionsHeaders() throws Exception {
        JsonNode result = http.post(api.url("/v1/payments?src=recipes"), "{\"amount\":42}",
                crm());

        ReceivedRequest request = api.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.target()).isEqualTo("/v1/payments?src=recipes");
        assertThat(request.header("Content-Type")).contains("application/json");
        assertThat(request.header("Authorization")).contains("Bearer " + TOKEN);
        assertThat(request.header("X-Tenant")).contains("acme");
        assertThat(request.json().get("amount").asInt()).isEqualTo(42);
        assertThat(result.toString()).isEqualTo("{\"status\":200,\"body\":{},"
                + "\"truncated\":false}");
    }

    @Test
    void defaultConnectionIsOptionalAndAddsNoHeader() throws Exception {
        http.post(api.url("/hook"), "[1,\"two\",null]", null);

        ReceivedRequest request = api.requests().get(0);
        assertThat(request.header("Authorization")).isEmpty();
        assertThat(request.bodyText()).isEqualTo("[1,\"two\",null]");
    }

    @Test
    void resultKeepsTextAnswersAsTextAndEmptyOnesAsNull() throws Exception {
        api.enqueue(Reply.text(201, "created #7"), Reply.status(204),
                Reply.json(200, "{not json"),
                Reply.json(202, "{\"id\":7}").withHeader("Content-Type",
                        "application/problem+json; charset=utf-8"));

        JsonNode text = http.post(api.url("/"), "{}", null);
        JsonNode empty = http.post(api.url("/"), "{}", null);
        JsonNode broken = http.post(api.url("/"), "{}", null);
        JsonNode json = http.post(api.url("/"), "{}", null);

        assertThat(text.toString()).isEqualTo("{\"status\":201,\"body\":\"created #7\","
                + "\"truncated\":false}");
        assertThat(empty.get("body").isNull()).isTrue();
        assertThat(broken.get("body").asText()).isEqualTo("{not json");
        assertThat(json.at("/body/id").asInt()).isEqualTo(7);
    }

    @Test
    void largerAnswersAreCutAtTheLimitAndSaySo() throws Exception {
        HttpContextFixture small = HttpContextFixture.start(CLOCK,
                "allowed-private-hosts", "127.0.0.1", "max-response-bytes", "8");
        api.answerByDefault(Reply.json(200, "{\"items\":[1,2,3,4,5]}"));

        JsonNode result = small.post(api.url("/"), "{}", null);

        assertThat(result.toString()).isEqualTo("{\"status\":200,\"body\":\"{\\\"items\\\"\","
                + "\"truncated\":true}");
    }

    @Test
    void tooManyRequestsIsRetryableAfterTheServersDelay() {
        api.failNext(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "7"));

        ActionException e = failure(() -> http.post(api.url("/"), "{}", null));

        assertThat(e.retryable()).isTrue();
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(e).hasMessage("action 'http/post': http://127.0.0.1:" + api.port()
                + " answered 429: {\"error\":\"slow down\"}");
    }

    @Test
    void serverErrorsAndRequestTimeoutsAreRetryable() {
        api.failNext(503, "{}", Map.of("Retry-After", "Wed, 01 May 2024 12:01:00 GMT"));
        api.failNext(500);
        api.enqueue(Reply.status(408));

        ActionException unavailable = failure(() -> http.post(api.url("/"), "{}", null));
        ActionException broken = failure(() -> http.post(api.url("/"), "{}", null));
        ActionException timeout = failure(() -> http.post(api.url("/"), "{}", null));

        assertThat(unavailable.retryable()).isTrue();
        assertThat(unavailable.retryAfter()).contains(Duration.ofMinutes(1));
        assertThat(broken.retryable()).isTrue();
        assertThat(broken.retryAfter()).isEmpty();
        assertThat(timeout.retryable()).isTrue();
        assertThat(timeout).hasMessageEndingWith("answered 408 with no body");
    }

    @Test
    void otherClientErrorsArePermanent() {
        api.failNext(404);
        api.failNext(400, "{\"error\":\"amount is missing\"}", Map.of());

        ActionException missing = failure(() -> http.post(api.url("/"), "{}", null));
        ActionException invalid = failure(() -> http.post(api.url("/"), "{}", null));

        assertThat(missing.retryable()).isFalse();
        assertThat(invalid.retryable()).isFalse();
        assertThat(invalid).hasMessageEndingWith("answered 400: {\"error\":\"amount is "
                + "missing\"}");
    }

    @Test
    void redirectsAreNotFollowed() {
        api.enqueue(Reply.status(302).withHeader("Location", api.url("/elsewhere")));

        ActionException e = failure(() -> http.post(api.url("/old"), "{}", null));

        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("answered 302 with no body; redirects are not "
                + "followed");
        assertThat(api.requests()).extracting(ReceivedRequest::path).containsExactly("/old");
    }

    @Test
    void echoedHeaderValuesAreMaskedInErrors() {
        api.answerWith(request -> Reply.json(401, "{\"refused\":\""
                + request.header("Authorization").orElse("") + "\",\"token\":\"" + TOKEN
                + "\"}"));

        ActionException e = failure(() -> http.post(api.url("/"), "{}", crm()));

        assertThat(e).hasMessageEndingWith("answered 401: {\"refused\":\"***\",\"token\":\"***\"}")
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void headerValuesEchoedEscapedEncodedOrInAnotherCaseAreMasked() {
        String secret = "sk_live/ABC+def/ghi";
        Connection echoed = Connection.builder("http", "crm")
                .secret("header.Authorization", "Bearer " + secret)
                .build();
        api.answerWith(request -> Reply.json(422, "{\"json\":\"sk_live\\/ABC+def\\/ghi\","
                + "\"url\":\"" + java.net.URLEncoder.encode(secret,
                        java.nio.charset.StandardCharsets.UTF_8) + "\","
                + "\"lower\":\"" + secret.toLowerCase(java.util.Locale.ROOT) + "\"}"));

        ActionException e = failure(() -> http.post(api.url("/"), "{}", echoed));

        assertThat(e).hasMessageEndingWith("answered 422: {\"json\":\"***\",\"url\":\"***\","
                + "\"lower\":\"***\"}");
    }

    @Test
    void anEchoWrittenWithUnicodeEscapesIsMaskedInErrorsAndInResults() throws Exception {
        Connection basic = Connection.builder("http", "crm")
                .secret("header.Authorization", "Basic dXNlcjpodW50ZXIyMjI=")
                .build();
        String echo = "{\"auth\":\"Basic dXNlcjpodW50ZXIyMjI\\u003d\"}";
        api.enqueue(Reply.json(400, echo), Reply.json(200, echo));

        ActionException e = failure(() -> http.post(api.url("/"), "{}", basic));
        JsonNode result = http.post(api.url("/"), "{}", basic);

        assertThat(e).hasMessageEndingWith("answered 400: {\"auth\":\"***\"}");
        assertThat(result.path("body").path("auth").asText()).isEqualTo("***");
        assertThat(result.toString()).doesNotContain("dXNlcjpodW50ZXIyMjI");
    }

    @Test
    void aQuoteCutShortInTheMiddleOfAValueDoesNotShowItsStart() {
        HttpContextFixture small = HttpContextFixture.start(CLOCK,
                "allowed-private-hosts", "127.0.0.1", "max-response-bytes", "20");
        api.answerWith(request -> Reply.text(400, "no: " + TOKEN + " is wrong"));

        ActionException e = failure(() -> small.post(api.url("/"), "{}", crm()));

        assertThat(e.getMessage()).doesNotContain("tok-7f3a")
                .contains("answered 400: no: ***");
    }

    @Test
    void jsonCutShortIsMaskedAfterItsUnicodeEscapesAreRead() {
        HttpContextFixture small = HttpContextFixture.start(CLOCK,
                "allowed-private-hosts", "127.0.0.1", "max-response-bytes", "60");
        Connection basic = Connection.builder("http", "crm")
                .secret("header.Authorization", "Basic dXNlcjpodW50ZXIyMjI=")
                .build();
        api.answerWith(request -> Reply.json(400, "{\"auth\":\"Basic dXNlcjpodW50ZXIyMjI\\u003d\","
                + "\"more\":\"" + "x".repeat(200) + "\"}"));

        ActionException e = failure(() -> small.post(api.url("/"), "{}", basic));

        assertThat(e.getMessage()).contains("answered 400: {\"auth\":\"***\"")
                .doesNotContain("dXNlcjpodW50ZXIyMjI");
    }

    @Test
    void noAnswerWithinTheTimeoutIsRetryable() {
        HttpContextFixture impatient = HttpContextFixture.start(CLOCK,
                "allowed-private-hosts", "127.0.0.1", "timeout", "PT0.3S");
        api.delayNext(Duration.ofSeconds(30));

        ActionException e = failure(() -> impatient.post(api.url("/slow"), "{}", null));

        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessage("action 'http/post': no answer from http://127.0.0.1:"
                + api.port() + " within PT0.3S");
    }

    @Test
    void droppedConnectionIsRetryable() {
        api.dropNext();

        ActionException e = failure(() -> http.post(api.url("/"), "{}", crm()));

        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageStartingWith("action 'http/post': request to http://127.0.0.1:"
                + api.port() + " failed").hasMessageNotContaining(TOKEN);
    }

    @Test
    void refusedConnectionIsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        ActionException e = failure(() -> http.post("http://127.0.0.1:" + closedPort + "/",
                "{}", null));

        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessage("action 'http/post': cannot connect to http://127.0.0.1:"
                + closedPort);
    }

    @Test
    void serviceAndActionDescribeThemselvesWithoutHeaders() {
        assertThat(http.service().toString()).isEqualTo("HttpService[PostAction[allowed hosts "
                + "(none), private hosts 127.0.0.1]]");
        assertThat(crm().toString()).doesNotContain(TOKEN);
    }
}
