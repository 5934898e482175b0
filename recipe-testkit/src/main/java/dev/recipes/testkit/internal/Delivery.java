package dev.recipes.testkit.internal;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.testkit.webhook.WebhookTarget;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Objects;

/**
 * Where a simulator's requests go: the path on the receiver, the HTTP client, and the target
 * of {@code send()}. Immutable; each {@code with...} returns a copy.
 */
public final class Delivery {

    private final String subject;
    private final String requestSubject;
    private final String path;
    private final HttpClient httpClient;
    private final WebhookHandler handler;
    private final URI baseUrl;

    private Delivery(String subject, String requestSubject, String path, HttpClient httpClient,
            WebhookHandler handler, URI baseUrl) {
        this.subject = subject;
        this.requestSubject = requestSubject;
        this.path = path;
        this.httpClient = httpClient;
        this.handler = handler;
        this.baseUrl = baseUrl;
    }

    /**
     * Returns settings with a path and no target.
     *
     * @param subject what messages about the simulator start with, such as
     *     {@code slack simulator}
     * @param requestSubject what messages about one request start with, such as
     *     {@code slack request}
     * @param path the default path
     * @return the settings
     */
    public static Delivery of(String subject, String requestSubject, String path) {
        return new Delivery(subject, requestSubject, requirePath(subject, path), null, null,
                null);
    }

    /**
     * Returns a copy with another path.
     *
     * @param path an absolute path
     * @return the copy
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public Delivery withPath(String path) {
        return new Delivery(subject, requestSubject, requirePath(subject, path), httpClient,
                handler, baseUrl);
    }

    /**
     * Returns a copy that sends over HTTP with another client.
     *
     * @param httpClient the client
     * @return the copy
     */
    public Delivery withHttpClient(HttpClient httpClient) {
        return new Delivery(subject, requestSubject, path,
                Objects.requireNonNull(httpClient, "httpClient"), handler, baseUrl);
    }

    /**
     * Returns a copy whose target is a handler in-process.
     *
     * @param handler the handler
     * @return the copy
     */
    public Delivery withTarget(WebhookHandler handler) {
        return new Delivery(subject, requestSubject, path, httpClient,
                Objects.requireNonNull(handler, "handler"), null);
    }

    /**
     * Returns a copy whose target is a server over HTTP.
     *
     * @param baseUrl the server's base URL
     * @return the copy
     * @throws IllegalArgumentException if the URL is not an {@code http(s)} URL with a host
     */
    public Delivery withTarget(URI baseUrl) {
        WebhookTarget.overHttp(Objects.requireNonNull(baseUrl, "baseUrl"));
        return new Delivery(subject, requestSubject, path, httpClient, null, baseUrl);
    }

    /**
     * Returns the path requests are posted to.
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * Returns what messages about one request start with.
     *
     * @return such as {@code slack request}
     */
    public String requestSubject() {
        return requestSubject;
    }

    /**
     * Returns the target of {@code send()}.
     *
     * @return the target
     * @throws IllegalStateException if none was set
     */
    public WebhookTarget target() {
        if (handler != null) {
            return WebhookTarget.of(handler);
        }
        if (baseUrl != null) {
            return overHttp(baseUrl);
        }
        throw new IllegalStateException(subject + ": no target to send to; call withTarget(...) "
                + "first, or sendTo(handler) or sendTo(baseUrl)");
    }

    /**
     * Returns a target over HTTP with this client.
     *
     * @param baseUrl the server's base URL
     * @return the target
     */
    public WebhookTarget overHttp(URI baseUrl) {
        return httpClient == null ? WebhookTarget.overHttp(baseUrl)
                : WebhookTarget.overHttp(baseUrl, httpClient);
    }

    private static String requirePath(String subject, String path) {
        if (!Objects.requireNonNull(path, "path").startsWith("/")) {
            throw new IllegalArgumentException(subject + ": path '" + HeaderChecks.escape(path)
                    + "' does not start with '/'");
        }
        return path;
    }

    @Override
    public String toString() {
        return "Delivery[" + path + (handler != null ? ", in-process"
                : baseUrl != null ? ", " + baseUrl : "") + "]";
    }
}
