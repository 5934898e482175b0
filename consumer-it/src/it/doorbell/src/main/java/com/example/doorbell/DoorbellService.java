package com.example.doorbell;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.RecipeException;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.StripeStyleSignature;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.PublishOnce;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A doorbell: its signed webhook (a ring at a door) becomes a {@code doorbell.rang} event, and
 * its {@code chime} action asks a chime's HTTP API to play.
 */
public final class DoorbellService implements Service {

    /** The service id; rings arrive at {@code POST /hooks/doorbell}. */
    public static final String ID = "doorbell";

    /** The header that carries the ring's signature. */
    public static final String SIGNATURE_HEADER = "Doorbell-Signature";

    private volatile ServiceContext context;
    private volatile StripeStyleSignature signature;
    private volatile PublishOnce once;
    private volatile URI chimeUrl;

    /** Made by the engine's service discovery. */
    public DoorbellService() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Set<String> configKeys() {
        return Set.of("secret", "chime-url");
    }

    @Override
    public void start(ServiceContext started) {
        signature = StripeStyleSignature.of(started.secret("secret").orElseThrow(
                () -> new RecipeException("doorbell: set config 'doorbell.secret'")))
                .withClock(started.clock());
        chimeUrl = URI.create(started.config("chime-url").orElseThrow(
                () -> new RecipeException("doorbell: set config 'doorbell.chime-url'")));
        once = PublishOnce.of(started, "doorbell ring", "doorbell:");
        context = started;
    }

    @Override
    public Optional<WebhookHandler> webhook() {
        return Optional.of(this::ring);
    }

    @Override
    public List<Action> actions() {
        return List.of(new Chime());
    }

    private WebhookResponse ring(WebhookRequest request) {
        ServiceContext started = context;
        if (started == null) {
            return WebhookResponse.text(503, "doorbell: not started");
        }
        try {
            signature.verify(request.header(SIGNATURE_HEADER).orElse(""), request.body());
        } catch (SignatureException e) {
            return WebhookResponse.text(401, "doorbell: signature refused");
        }
        JsonNode ring;
        try {
            ring = started.json().readTree(request.body());
        } catch (IOException e) {
            return WebhookResponse.text(400, "doorbell: the body is not JSON");
        }
        String id = ring.path("id").asText("");
        if (id.isEmpty() || !ring.path("door").isTextual()) {
            return WebhookResponse.text(400, "doorbell: a ring needs 'id' and 'door'");
        }
        Event event = Event.builder("doorbell.rang").id(id).source("/doorbell").data(ring).build();
        return once.publish(event, id);
    }

    /** Plays a tune at the chime: {@code POST <chime-url>} with {@code {"door":..,"tune":..}}. */
    private final class Chime implements Action {

        @Override
        public String name() {
            return "chime";
        }

        @Override
        public JsonNode execute(ActionInvocation invocation) {
            JsonNode body = context.json().createObjectNode()
                    .put("door", invocation.requireText("door"))
                    .put("tune", invocation.requireText("tune"));
            HttpRequest request = HttpRequest.newBuilder(chimeUrl)
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
            int status;
            try {
                status = context.httpClient()
                        .send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                throw ActionException.retryable("doorbell: " + e.getMessage(), null, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ActionException.retryable("doorbell: interrupted", null, e);
            }
            if (status >= 300) {
                throw ActionException.permanent("doorbell: the chime answered " + status, null);
            }
            return context.json().createObjectNode().put("status", status);
        }
    }
}
