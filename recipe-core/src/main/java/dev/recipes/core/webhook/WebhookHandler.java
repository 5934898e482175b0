package dev.recipes.core.webhook;

/**
 * Turns a webhook request into events and an answer. Any HTTP server can call into it.
 *
 * <p>Implementations must be thread-safe and must not throw for bad input: a request that fails
 * its signature check gets 401, a malformed one 400. When the bus cannot take the event, a
 * handler may let {@link dev.recipes.core.EventRejectedException} escape; the engine answers 503
 * with {@code Retry-After}.
 */
@FunctionalInterface
public interface WebhookHandler {

    /**
     * Handles one request.
     *
     * @param request the request with its raw body
     * @return the answer to send
     */
    WebhookResponse handle(WebhookRequest request);
}
