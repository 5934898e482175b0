package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A real engine running the Slack service with a known signing secret and a fixed clock, which
 * signs webhooks as Slack does, sends them in process, and records the events published on the
 * Slack topics it observes.
 */
final class SlackFixture implements AutoCloseable {

    static final Secret SECRET = Secret.of("test-signing-secret-0123456789abcdef");
    static final long NOW = 1_700_000_160L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    static final List<String> OBSERVED_TYPES = List.of("slack.message", "slack.app_mention",
            "slack.reaction_added", "slack.sparkle_added", "slack.app_rate_limited");

    private final RecipeEngine engine;
    private final List<Event> published = new CopyOnWriteArrayList<>();

    private SlackFixture(Consumer<RecipeEngine.Builder> setup, List<String> observedTypes) {
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(SECRET))
                .clock(CLOCK);
        setup.accept(builder);
        engine = builder.build();
        for (String type : observedTypes) {
            engine.bus().subscribe(Trigger.topicFor(type), "test", published::add);
        }
        engine.start();
    }

    static SlackFixture start() {
        return start(builder -> { }, OBSERVED_TYPES);
    }

    static SlackFixture start(Consumer<RecipeEngine.Builder> setup, List<String> observedTypes) {
        return new SlackFixture(setup, observedTypes);
    }

    RecipeEngine engine() {
        return engine;
    }

    /** Sends a body signed with the fixture's secret at the fixture's time. */
    WebhookResponse send(byte[] body) {
        return send(body, Map.of());
    }

    /** Sends a signed body with more headers, such as {@code X-Slack-Retry-Num}. */
    WebhookResponse send(byte[] body, Map<String, String> moreHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(signedHeaders(SECRET, NOW, body));
        headers.putAll(moreHeaders);
        return post(headers, body);
    }

    /** Sends exactly these headers and body. */
    WebhookResponse post(Map<String, String> headers, byte[] body) {
        return engine.webhooks().handle(WebhookRequest.post("/hooks/slack", headers, body));
    }

    /** Waits until the engine is idle, then returns the events published so far. */
    List<Event> published() {
        try {
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).as("engine idle").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the engine", e);
        }
        return List.copyOf(published);
    }

    static Map<String, String> signedHeaders(Secret secret, long timestamp, byte[] body) {
        String signature = SlackSignature.of(secret).sign(timestamp, body);
        return Map.of(SlackSignature.TIMESTAMP_HEADER, Long.toString(timestamp),
                SlackSignature.SIGNATURE_HEADER, signature);
    }

    static byte[] resource(String name) {
        try (InputStream in = SlackFixture.class.getResourceAsStream("/slack/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("test resource 'slack/" + name
                        + "' is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        engine.close();
    }
}
