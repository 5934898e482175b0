package dev.recipes.testkit.webhook;

import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A receiver for tests: checks each request's signature with a scheme from the core catalogue,
 * answers 401 with the reason when it fails, and otherwise keeps the request and answers 200.
 */
public final class VerifyingHandlerFixture implements WebhookHandler {

    private final Consumer<WebhookRequest> verify;
    private final List<WebhookRequest> accepted = new CopyOnWriteArrayList<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();

    /**
     * Creates a receiver.
     *
     * @param verify such as {@code GitHubSignature.of(secret)::verify}
     */
    public VerifyingHandlerFixture(Consumer<WebhookRequest> verify) {
        this.verify = verify;
    }

    @Override
    public WebhookResponse handle(WebhookRequest request) {
        try {
            verify.accept(request);
        } catch (SignatureException e) {
            refusals.add(e.getMessage());
            return WebhookResponse.text(401, e.getMessage());
        }
        accepted.add(request);
        return WebhookResponse.text(200, "accepted");
    }

    /** Returns the requests accepted so far. */
    public List<WebhookRequest> accepted() {
        return List.copyOf(accepted);
    }

    /** Returns the reasons of the refusals so far. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }
}
