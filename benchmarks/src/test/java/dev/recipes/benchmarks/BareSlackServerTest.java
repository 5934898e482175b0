package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class BareSlackServerTest {

    private static final Secret SECRET = Secret.of("bench-secret");
    private static final byte[] BODY = ("{\"type\":\"event_callback\",\"event_id\":\"Ev1\","
            + "\"event\":{\"type\":\"message\"}}").getBytes(StandardCharsets.UTF_8);

    private final BareSlackServer server = BareSlackServer.start(
            new InetSocketAddress("127.0.0.1", 0), SECRET, 2);
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void signedDelivery_isAcceptedAndCounted() throws Exception {
        long now = Instant.now().getEpochSecond();

        int status = post(now, SlackSignature.of(SECRET).sign(now, BODY), BODY);

        assertThat(status).isEqualTo(200);
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void deliverySignedWithAnotherSecret_isRefused() throws Exception {
        long now = Instant.now().getEpochSecond();

        int status = post(now, SlackSignature.of(Secret.of("other")).sign(now, BODY), BODY);

        assertThat(status).isEqualTo(401);
        assertThat(server.accepted()).isZero();
    }

    @Test
    void deliveryOlderThanFiveMinutes_isRefused() throws Exception {
        long stale = Instant.now().getEpochSecond() - 301;

        int status = post(stale, SlackSignature.of(SECRET).sign(stale, BODY), BODY);

        assertThat(status).isEqualTo(401);
    }

    @Test
    void signedBodyThatIsNotAnEvent_isRefused() throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] body = "{\"type\":".getBytes(StandardCharsets.UTF_8);

        int status = post(now, SlackSignature.of(SECRET).sign(now, body), body);

        assertThat(status).isEqualTo(400);
    }

    private int post(long timestamp, String signature, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + SlackRequests.PATH))
                .header(SlackSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(SlackSignature.SIGNATURE_HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
