package dev.recipes.testkit.webhook;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.Objects;

/** Hands requests to a handler in the same process. Thread-safe if the handler is. */
final class InProcessTarget implements WebhookTarget {

    private final WebhookHandler handler;

    InProcessTarget(WebhookHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public WebhookResponse deliver(WebhookRequest request) {
        return handler.handle(Objects.requireNonNull(request, "request"));
    }

    @Override
    public String toString() {
        return "WebhookTarget[in-process]";
    }
}
