package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class SlackIngressEngineTest {

    private static final Secret SECRET = Secret.of("bench-secret");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SlackIngressEngine engine = SlackIngressEngine.start(
            SlackIngressEngine.Settings.DEFAULTS, SECRET);

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void signedMessage_reachesTheRecipesAction() throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] body = ("{\"type\":\"event_callback\",\"event_id\":\"EvOne\",\"team_id\":\"T0B\","
                + "\"event_time\":" + now + ",\"event\":{\"type\":\"message\","
                + "\"channel\":\"C0B\",\"user\":\"U0B\",\"text\":\"hi\",\"ts\":\"1.2\"}}")
                .getBytes(StandardCharsets.UTF_8);

        int status = post(now, SlackSignature.of(SECRET).sign(now, body), body);

        assertThat(status).isEqualTo(200);
        assertThat(engine.lost(List.of("EvOne"), WAIT)).isEmpty();
        assertThat(engine.received()).isEqualTo(1);
        assertThat(engine.handled()).isEqualTo(1);
    }

    @Test
    void acceptedIdTheActionNeverSaw_isReportedLost() throws InterruptedException {
        List<String> lost = engine.lost(List.of("EvNeverSent"), WAIT);

        assertThat(lost).containsExactly("EvNeverSent");
    }

    private int post(long timestamp, String signature, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + engine.port() + SlackRequests.PATH))
                .header(SlackSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(SlackSignature.SIGNATURE_HEADER, signature)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
