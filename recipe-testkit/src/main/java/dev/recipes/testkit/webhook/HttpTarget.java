package dev.recipes.testkit.webhook;

import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Sends webhook requests over HTTP with the JDK's client. Thread-safe. */
final class HttpTarget implements WebhookTarget {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Headers the client derives from the connection and the body, and hop-by-hop headers that
     * describe one connection only; the JDK's client refuses some of them outright.
     */
    private static final Set<String> CLIENT_MADE = caseInsensitive("Connection",
            "Content-Length", "Expect", "Host", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
            "Transfer-Encoding", "Upgrade");

    private final URI baseUrl;
    private final HttpClient client;

    HttpTarget(URI baseUrl, HttpClient client) {
        this.baseUrl = checkBaseUrl(Objects.requireNonNull(baseUrl, "baseUrl"));
        this.client = client;
    }

    static HttpClient defaultClient() {
        return DefaultClient.INSTANCE;
    }

    @Override
    public WebhookResponse deliver(WebhookRequest request) {
        Objects.requireNonNull(request, "request");
        URI target = resolve(request);
        byte[] body = request.body();
        HttpRequest.Builder http = HttpRequest.newBuilder(target)
                .timeout(REQUEST_TIMEOUT)
                .method(request.method(), body.length == 0 && !hasBody(request.method())
                        ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        request.headers().forEach((name, values) -> {
            if (!CLIENT_MADE.contains(name)) {
                values.forEach(value -> http.header(name, value));
            }
        });
        try {
            HttpResponse<byte[]> response = client.send(http.build(), BodyHandlers.ofByteArray());
            return new WebhookResponse(response.statusCode(), firstValues(response.headers()),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("webhook target: " + request.method() + " " + target
                    + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException("webhook target: " + request.method() + " " + target
                    + " interrupted", new InterruptedIOException(e.getMessage()));
        }
    }

    private URI resolve(WebhookRequest request) {
        String base = baseUrl.toString();
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String query = request.query().isEmpty() ? "" : "?" + request.query();
        try {
            return URI.create(trimmed + request.path() + query);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook target: path '" + request.path()
                    + "' and query '" + request.query() + "' do not make a URI under "
                    + baseUrl, e);
        }
    }

    private static boolean hasBody(String method) {
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    private static URI checkBaseUrl(URI url) {
        String scheme = url.getScheme();
        if (!url.isAbsolute() || url.getHost() == null
                || !("http".equals(scheme) || "https".equals(scheme))
                || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("webhook target: base URL '" + url + "' is not "
                    + "an http(s) URL with a host and without query or fragment");
        }
        return url;
    }

    private static Map<String, String> firstValues(HttpHeaders headers) {
        Map<String, String> first = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.map().forEach((name, values) -> {
            if (!name.startsWith(":") && !values.isEmpty()) {
                first.putIfAbsent(name, values.get(0));
            }
        });
        return first;
    }

    private static Set<String> caseInsensitive(String... names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(Set.of(names));
        return java.util.Collections.unmodifiableSet(set);
    }

    @Override
    public String toString() {
        return "WebhookTarget[HTTP " + baseUrl + "]";
    }

    /** The shared HTTP client, made on first use. */
    private static final class DefaultClient {

        static final HttpClient INSTANCE = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();

        private DefaultClient() {
        }
    }
}
