package com.example.doorbell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.StripeStyleSignature;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.http.FakeHttpServer;
import dev.recipes.testkit.http.ReceivedRequest;
import dev.recipes.testkit.junit.RecipeTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@RecipeTest
class DoorbellTest {

    private static final Secret SECRET = Secret.of("doorbell-test-secret");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeEach
    void setUp(TestEngine engine, FakeHttpServer chime) {
        // The service is not registered here: the engine must discover it, through
        // META-INF/services on the class path or the module's provides clause.
        engine.config("doorbell.secret", SECRET.reveal())
                .config("doorbell.chime-url", chime.url("/play"))
                .recipe(Doorbell.frontDoorChimes());
    }

    @Test
    void aSignedRingOverHttpPlaysTheChimeOnce(TestEngine engine, FakeHttpServer chime)
            throws Exception {
        String ring = "{\"id\":\"ring-1\",\"door\":\"front\"}";
        try (JdkWebhookServer server = Doorbell.serve(engine.engine(), loopback())) {
            assertEquals(200, post(server, ring, sign(engine, ring)).statusCode());
            assertEquals(200, post(server, ring, sign(engine, ring)).statusCode());
            engine.awaitIdle();
        }

        engine.assertThatAction("doorbell", "chime")
                .succeeded()
                .wasRequestedBy("front-door-chimes")
                .hasParam("/door", "front");
        List<ReceivedRequest> played = chime.requests();
        assertEquals(1, played.size(), "the redelivered ring must not chime again");
        assertEquals("/play", played.get(0).path());
        assertEquals("westminster", played.get(0).json().path("tune").asText());
    }

    @Test
    void aForgedRingIsRefusedAndNothingPlays(TestEngine engine, FakeHttpServer chime)
            throws Exception {
        String ring = "{\"id\":\"ring-2\",\"door\":\"front\"}";
        String forged = StripeStyleSignature.of(Secret.of("not the secret"))
                .sign(engine.clock().instant().getEpochSecond(), bytes(ring));
        try (JdkWebhookServer server = Doorbell.serve(engine.engine(), loopback())) {
            assertEquals(401, post(server, ring, forged).statusCode());
            engine.awaitIdle();
        }

        engine.assertThatEvents().isEmpty();
        assertEquals(List.of(), chime.requests());
    }

    @Test
    void theBackDoorDoesNotChime(TestEngine engine, FakeHttpServer chime) throws Exception {
        String ring = "{\"id\":\"ring-3\",\"door\":\"back\"}";
        try (JdkWebhookServer server = Doorbell.serve(engine.engine(), loopback())) {
            assertEquals(200, post(server, ring, sign(engine, ring)).statusCode());
            engine.awaitIdle();
        }

        engine.assertThatEvents().hasSize(1);
        engine.assertThatActions().isEmpty();
        assertEquals(List.of(), chime.requests());
    }

    /** The build runs this project twice; each run must be on the path it claims. */
    @Test
    void runsOnThePathTheBuildAskedFor() {
        boolean modulePath = Boolean.parseBoolean(
                System.getProperty("doorbell.expect-module-path", "unset"));
        if (modulePath) {
            assertEquals("com.example.doorbell", Doorbell.class.getModule().getName());
            assertEquals("dev.recipes.core", RecipeEngine.class.getModule().getName());
            assertEquals("dev.recipes.http.jdk", JdkWebhookServer.class.getModule().getName());
        } else {
            assertEquals("false", System.getProperty("doorbell.expect-module-path"));
            assertNull(Doorbell.class.getModule().getName());
            assertNull(RecipeEngine.class.getModule().getName());
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private static String sign(TestEngine engine, String body) {
        return StripeStyleSignature.of(SECRET)
                .sign(engine.clock().instant().getEpochSecond(), bytes(body));
    }

    private static HttpResponse<String> post(JdkWebhookServer server, String body,
            String signature) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/hooks/doorbell"))
                .header("Content-Type", "application/json")
                .header(DoorbellService.SIGNATURE_HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
