package dev.recipes.webhooks;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Signed Standard Webhooks requests, and the events an engine publishes for them. */
final class WebhookFixture {

    /** The example of the Standard Webhooks reference libraries. */
    static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long SPEC_TIMESTAMP = 1_614_265_330L;
    static final String SPEC_BODY = "{\"test\": 2432232314}";
    static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    static final Clock SPEC_CLOCK = Clock.fixed(Instant.ofEpochSecond(SPEC_TIMESTAMP),
            ZoneOffset.UTC);

    /** A second secret, for rotation. */
    static final String OTHER_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "another secret of 24 bytes".getBytes(StandardCharsets.UTF_8));

    private WebhookFixture() {
    }

    /** The spec's example message, posted to a source. */
    static WebhookRequest specRequest(String source) {
        return request(source, SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE, SPEC_BODY);
    }

    /** A message signed with a secret at the spec's time. */
    static WebhookRequest signed(String source, String secret, String id, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String signature = StandardWebhooksSignature.of(Secret.of(secret))
                .sign(id, SPEC_TIMESTAMP, bytes);
        return request(source, id, SPEC_TIMESTAMP, signature, body);
    }

    static WebhookRequest request(String source, String id, long timestamp, String signature,
            String body) {
        return WebhookRequest.post("/hooks/webhook/" + source, Map.of(
                "webhook-id", id,
                "webhook-timestamp", Long.toString(timestamp),
                "webhook-signature", signature,
                "Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
    }

    /** Collects the events of a type that reach an engine's bus. */
    static List<Event> collect(RecipeEngine engine, String eventType) {
        List<Event> events = new CopyOnWriteArrayList<>();
        engine.bus().subscribe(Trigger.topicFor(eventType), "test", events::add);
        return events;
    }
}
