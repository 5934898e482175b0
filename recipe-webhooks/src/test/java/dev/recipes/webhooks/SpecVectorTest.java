package dev.recipes.webhooks;

import static dev.recipes.webhooks.WebhookFixture.SPEC_BODY;
import static dev.recipes.webhooks.WebhookFixture.SPEC_CLOCK;
import static dev.recipes.webhooks.WebhookFixture.SPEC_ID;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SECRET;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SIGNATURE;
import static dev.recipes.webhooks.WebhookFixture.SPEC_TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Standard Webhooks reference example, in process and over loopback HTTP. */
final class SpecVectorTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private static RecipeEngine engine(Clock clock) {
        return RecipeEngine.builder().discoverServices(false)
                .service(new WebhookService())
                .clock(clock)
                .config("webhook.sources", "std")
                .config("webhook.std.secrets", SPEC_SECRET)
                .build();
    }

    @Test
    void coreSchemeSignsTheExampleAsTheSpecDoes() {
        String signature = StandardWebhooksSignature.of(Secret.of(SPEC_SECRET))
                .sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.getBytes(StandardCharsets.UTF_8));

        assertThat(signature).isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void exampleIsAcceptedInProcess() throws Exception {
        try (RecipeEngine engine = engine(SPEC_CLOCK)) {
            engine.start();
            List<Event> events = WebhookFixture.collect(engine, "webhook.std");

            WebhookResponse response = engine.webhooks()
                    .handle(WebhookFixture.specRequest("std"));

            assertThat(response.status()).isEqualTo(200);
            assertThat(engine.awaitIdle(WAIT)).isTrue();
            assertThat(events).extracting(Event::id).containsExactly(SPEC_ID);
        }
    }

    @Test
    void exampleIsAcceptedOverLoopbackHttp() throws Exception {
        try (RecipeEngine engine = engine(SPEC_CLOCK)) {
            engine.start();
            List<Event> events = WebhookFixture.collect(engine, "webhook.std");
            try (JdkWebhookServer server = JdkWebhookServer.start(engine,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {

                HttpResponse<String> response = send(server, SPEC_SIGNATURE);

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(engine.awaitIdle(WAIT)).isTrue();
                assertThat(events).hasSize(1);
                assertThat(events.get(0).data().at("/payload/test").asLong())
                        .isEqualTo(2_432_232_314L);
            }
        }
    }

    @Test
    void exampleIsStaleWithTheRealClockAndRefusedOverLoopbackHttp() throws Exception {
        try (RecipeEngine engine = engine(Clock.systemUTC())) {
            engine.start();
            try (JdkWebhookServer server = JdkWebhookServer.start(engine,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {

                HttpResponse<String> response = send(server, SPEC_SIGNATURE);

                assertThat(response.statusCode()).isEqualTo(401);
                assertThat(response.body()).isEqualTo("webhook 'std': signature refused");
            }
        }
    }

    private static HttpResponse<String> send(JdkWebhookServer server, String signature)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/hooks/webhook/std"))
                .header("webhook-id", SPEC_ID)
                .header("webhook-timestamp", Long.toString(SPEC_TIMESTAMP))
                .header("webhook-signature", signature)
                .header("Content-Type", "application/json")
                .timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(SPEC_BODY))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
