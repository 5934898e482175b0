package dev.recipes.testkit.webhook;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Objects;

/**
 * Where a test delivers webhook requests: a handler in the same process, or a server over HTTP.
 * The simulators, the replayer and the recording server all deliver through one.
 *
 * <pre>{@code
 * WebhookTarget inProcess = WebhookTarget.of(engine.webhooks());
 * WebhookTarget overHttp = WebhookTarget.overHttp(URI.create("http://127.0.0.1:8080"));
 * WebhookResponse answer = overHttp.deliver(request);
 * }</pre>
 *
 * <p>Unlike a {@link WebhookHandler}, a target may throw when the request cannot be delivered at
 * all, so that a test sees why. Implementations are thread-safe.
 */
@FunctionalInterface
public interface WebhookTarget {

    /**
     * Delivers one request and returns the answer.
     *
     * @param request the request, delivered with its exact body bytes
     * @return the receiver's answer
     * @throws java.io.UncheckedIOException if the request cannot be sent over HTTP, or the
     *     thread is interrupted while waiting (the interrupt flag is then set again)
     */
    WebhookResponse deliver(WebhookRequest request);

    /**
     * Returns a target that hands each request to a handler in-process.
     *
     * @param handler the handler, such as {@code engine.webhooks()}
     * @return the target
     */
    static WebhookTarget of(WebhookHandler handler) {
        return new InProcessTarget(handler);
    }

    /**
     * Returns a target that sends each request over HTTP with a shared HTTP/1.1 client.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}; each
     *     request's path and query are appended to it
     * @return the target
     * @throws IllegalArgumentException if the URL is not an absolute {@code http} or
     *     {@code https} URL, or has a query or fragment
     * @see #overHttp(URI, HttpClient)
     */
    static WebhookTarget overHttp(URI baseUrl) {
        return new HttpTarget(baseUrl, HttpTarget.defaultClient());
    }

    /**
     * Returns a target that sends each request over HTTP: its method, path, query, headers and
     * exactly its body bytes. Headers that the HTTP client makes itself from the connection
     * and the body ({@code Host}, {@code Content-Length}, {@code Transfer-Encoding},
     * {@code Connection} and the other hop-by-hop headers, {@code Expect}) are left to the
     * client; every other header is sent with all its values. The answer carries the first
     * value of each response header.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}; each
     *     request's path and query are appended to it
     * @param httpClient the client that sends
     * @return the target
     * @throws IllegalArgumentException if the URL is not an absolute {@code http} or
     *     {@code https} URL, or has a query or fragment
     */
    static WebhookTarget overHttp(URI baseUrl, HttpClient httpClient) {
        return new HttpTarget(baseUrl, Objects.requireNonNull(httpClient, "httpClient"));
    }
}
