package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake Slack Web API, called over loopback HTTP with a plain client. */
final class FakeSlackApiTest {

    private static final String JSON_UTF8 = "application/json; charset=utf-8";
    private static final Instant NOW = Instant.parse("2026-01-05T09:00:00Z");

    private final FakeSlackApi api = FakeSlackApi.start(Clock.fixed(NOW, ZoneOffset.UTC));
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void postMessage_answersOkWithATsString_andStoresTheMessage() throws Exception {
        String token = api.newBotToken();

        JsonNode answer = call("chat.postMessage", token, JSON_UTF8,
                "{\"channel\":\"C0A\",\"text\":\"hi\"}");

        assertThat(answer.path("ok").asBoolean()).isTrue();
        assertThat(answer.path("ts").isTextual()).isTrue();
        assertThat(answer.path("ts").asText()).isEqualTo(NOW.getEpochSecond() + ".000001");
        assertThat(api.messages("C0A")).singleElement()
                .satisfies(message -> assertThat(message.text()).isEqualTo("hi"));
        assertThat(api.calls()).singleElement().satisfies(call -> {
            assertThat(call.method()).isEqualTo("chat.postMessage");
            assertThat(call.token()).isEqualTo(token);
            assertThat(call.at()).isEqualTo(NOW);
        });
    }

    @Test
    void tsWithinOneSecond_countsUp() throws Exception {
        String token = api.newBotToken();

        call("chat.postMessage", token, JSON_UTF8, "{\"channel\":\"C0A\",\"text\":\"1\"}");
        JsonNode second = call("chat.postMessage", token, JSON_UTF8,
                "{\"channel\":\"C0A\",\"text\":\"2\"}");

        assertThat(second.path("ts").asText()).endsWith(".000002");
    }

    @Test
    void missingOrUnknownToken_isRefused() throws Exception {
        api.newBotToken();

        assertThat(call("chat.postMessage", null, JSON_UTF8, "{}").path("error").asText())
                .isEqualTo("not_authed");
        assertThat(call("chat.postMessage", "xoxb-other", JSON_UTF8, "{}").path("error")
                .asText()).isEqualTo("invalid_auth");
        assertThat(api.messages("C0A")).isEmpty();
    }

    @Test
    void wrongContentType_isRefused() throws Exception {
        String token = api.newBotToken();

        assertThat(call("chat.postMessage", token, "application/json", "{}").path("error")
                .asText()).isEqualTo("invalid_charset");
        assertThat(call("chat.postMessage", token, null, "{}").path("error").asText())
                .isEqualTo("missing_post_type");
    }

    @Test
    void badArguments_getSlacksCodes() throws Exception {
        String token = api.newBotToken();

        assertThat(error("chat.postMessage", token, "{\"text\":\"x\"}"))
                .isEqualTo("channel_not_found");
        assertThat(error("chat.postMessage", token, "{\"channel\":\"C0A\"}"))
                .isEqualTo("no_text");
        assertThat(error("chat.update", token, "{\"channel\":\"C0A\",\"ts\":\"1.000001\","
                + "\"text\":\"x\"}")).isEqualTo("message_not_found");
        assertThat(error("reactions.add", token, "{\"channel\":\"C0A\",\"timestamp\":\"1.1\","
                + "\"name\":\"eyes\"}")).isEqualTo("message_not_found");
        assertThat(error("chat.delete", token, "{}")).isEqualTo("unknown_method");
    }

    @Test
    void queuedFaults_comeInOrder_thenNormalAnswers() throws Exception {
        String token = api.newBotToken();
        api.failNext("ratelimited").rateLimitNext(7);
        String body = "{\"channel\":\"C0A\",\"text\":\"x\"}";

        assertThat(error("chat.postMessage", token, body)).isEqualTo("ratelimited");
        HttpResponse<String> limited = send("chat.postMessage", token, JSON_UTF8, body, null);
        JsonNode ok = call("chat.postMessage", token, JSON_UTF8, body);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("7");
        assertThat(ok.path("ok").asBoolean()).isTrue();
        assertThat(api.calls()).extracting(FakeSlackApi.Call::status)
                .containsExactly(200, 429, 200);
    }

    @Test
    void delayNext_holdsTheAnswer_pastAClientTimeout() {
        String token = api.newBotToken();
        api.delayNext(Duration.ofSeconds(3));

        assertThatThrownBy(() -> send("chat.postMessage", token, JSON_UTF8,
                "{\"channel\":\"C0A\",\"text\":\"x\"}", Duration.ofMillis(200)))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void responseUrl_takesFivePosts_thenAnswers404() throws Exception {
        String url = api.newResponseUrl();

        for (int i = 0; i < 5; i++) {
            assertThat(post(url).statusCode()).isEqualTo(200);
        }

        assertThat(post(url).statusCode()).isEqualTo(404);
        assertThat(post(api.responseUrlPrefix() + "unknown").statusCode()).isEqualTo(404);
        assertThat(api.calls(FakeSlackApi.RESPONSE_URL)).hasSize(7);
    }

    @Test
    void faultArguments_areChecked() {
        assertThatThrownBy(() -> api.rateLimitNext(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> api.answerNext(100, "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100");
        assertThatThrownBy(() -> api.delayNext(Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT5M");
        assertThatThrownBy(() -> api.registerToken(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
    }

    private String error(String method, String token, String body) throws Exception {
        return call(method, token, JSON_UTF8, body).path("error").asText();
    }

    private JsonNode call(String method, String token, String contentType, String body)
            throws Exception {
        return json.readTree(send(method, token, contentType, body, null).body());
    }

    private HttpResponse<String> send(String method, String token, String contentType,
            String body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.apiUrl() + "/"
                + method)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (timeout != null) {
            request.timeout(timeout);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", JSON_UTF8)
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"ok\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
