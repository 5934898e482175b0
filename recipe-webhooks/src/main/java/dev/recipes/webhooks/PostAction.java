package dev.recipes.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.RetryAfter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code post} action: checks the URL against the allow-lists and every address its host
 * resolves to, then posts the JSON body with the connection's headers and classifies the
 * answer. Thread-safe.
 */
final class PostAction implements Action {

    static final String NAME = "post";

    private static final Logger LOG = LoggerFactory.getLogger(PostAction.class);
    private static final String SUBJECT = "action '" + HttpService.ID + "/" + NAME + "'";
    private static final int QUOTED_CHARS = 200;

    private final HttpSettings settings;
    private final HttpClient client;
    private final Clock clock;
    private final ObjectMapper json;

    PostAction(HttpSettings settings, HttpClient client, Clock clock, ObjectMapper json) {
        this.settings = settings;
        this.client = client;
        this.clock = clock;
        this.json = json;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JsonNode execute(ActionInvocation invocation) {
        URI url = url(invocation.requireText("url"));
        byte[] body = body(invocation);
        ConnectionHeaders headers = ConnectionHeaders.of(connection(invocation), SUBJECT);

        checkAllowed(url, headers);
        HttpResponse<LimitedBody.Bytes> response = send(url, body, headers);
        LOG.debug("HTTP post to {} answered {}", origin(url), response.statusCode());
        return outcome(url, response, headers);
    }

    /** A step's connection is optional while it is the default one, and needed once named. */
    private static Connection connection(ActionInvocation invocation) {
        if (invocation.connection() == null
                && invocation.connectionId().equals(ActionStep.DEFAULT_CONNECTION)) {
            return null;
        }
        return invocation.requireConnection();
    }

    // Messages quote only the URL's origin: its path and query may carry a token.
    private static URI url(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw refused("parameter 'url' is not a valid URI (" + e.getReason() + ")");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw refused("parameter 'url' must be an http or https URL, not "
                    + (scheme.isEmpty() ? "a relative one" : "'" + scheme + ":'"));
        }
        if (url.getHost() == null) {
            throw refused("parameter 'url' has no host that can be read: expected "
                    + "http(s)://host[:port]/path with a host name (international names in "
                    + "punycode), a dotted IPv4 address or a bracketed IPv6 one, and a port "
                    + "from 1 to 65535");
        }
        if (url.getPort() == 0 || url.getPort() > 65535) {
            throw refused("parameter 'url' has port " + url.getPort() + ", not one from 1 to "
                    + "65535");
        }
        if (url.getRawUserInfo() != null) {
            throw refused("parameter 'url' has user info ('user:password@'); give credentials "
                    + "as headers of the connection");
        }
        if (url.getRawFragment() != null) {
            throw refused("parameter 'url' has a fragment ('#...'), which is never sent");
        }
        return url;
    }

    private byte[] body(ActionInvocation invocation) {
        JsonNode body = invocation.param("body").orElseThrow(() -> refused("parameter 'body' "
                + "is missing or null; give a JSON value, such as {} for an empty object"));
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw ActionException.permanent(SUBJECT + ": parameter 'body' cannot be written as "
                    + "JSON", e);
        }
    }

    /**
     * Refuses a URL whose host is not allowed, or resolves to an address that is not public
     * while the host is not allowed to be private, before any connection is made.
     */
    // Limitation: the HTTP client resolves the host again when it connects, so a name whose
    // DNS answer changes between the check and the connection (DNS rebinding) can still reach
    // an address the check refused; allow only names whose DNS you trust, or IP addresses.
    private void checkAllowed(URI url, ConnectionHeaders headers) {
        String host = url.getHost();
        boolean privateAllowed = settings.privateHosts().matchesHost(host);
        if (!privateAllowed && !settings.allowedHosts().matchesHost(host)) {
            throw refused("host '" + host + "' is not allowed; config '"
                    + HttpSettings.key(HttpSettings.ALLOWED_HOSTS) + "' allows "
                    + settings.allowedHosts() + " (a host that resolves to a loopback or "
                    + "private address is allowed by '"
                    + HttpSettings.key(HttpSettings.ALLOWED_PRIVATE_HOSTS) + "' instead)");
        }
        if (headers.hosts().isPresent() && !headers.hosts().get().matchesHost(host)) {
            throw refused("host '" + host + "' is not in the connection's setting '"
                    + ConnectionHeaders.ALLOWED_HOSTS + "' (" + headers.hosts().get() + ")");
        }
        for (InetAddress address : resolve(host)) {
            String kind = AddressKind.restricted(address);
            if (kind != null && !privateAllowed
                    && !settings.privateHosts().containsAddress(address)) {
                throw refused("host '" + host + "' resolves to " + address.getHostAddress()
                        + ", a " + kind + " address; requests to private and internal "
                        + "addresses are refused unless config '"
                        + HttpSettings.key(HttpSettings.ALLOWED_PRIVATE_HOSTS)
                        + "' names the host or the address");
            }
        }
    }

    private static List<InetAddress> resolve(String host) {
        return HostRules.literal(host).map(List::of).orElseGet(() -> {
            try {
                return List.of(InetAddress.getAllByName(host));
            } catch (UnknownHostException e) {
                throw ActionException.retryable(SUBJECT + ": host '" + host + "' cannot be "
                        + "resolved", null, null);
            }
        });
    }

    private HttpResponse<LimitedBody.Bytes> send(URI url, byte[] body,
            ConnectionHeaders headers) {
        HttpRequest request = request(url, body, headers);
        CompletableFuture<HttpResponse<LimitedBody.Bytes>> pending = client.sendAsync(request,
                info -> new LimitedBody(settings.maxResponseBytes()));
        try {
            return pending.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw timedOut(url);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw ActionException.retryable(SUBJECT + ": interrupted while waiting for "
                    + origin(url), null, null);
        } catch (ExecutionException e) {
            throw transportFailure(url, e.getCause(), headers);
        }
    }

    private HttpRequest request(URI url, byte[] body, ConnectionHeaders headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            headers.headers().forEach((name, value) -> builder.header(name, value.reveal()));
            return builder.build();
        } catch (IllegalArgumentException e) {
            // The client's message may quote a header value.
            throw refused("the HTTP client refused the request to " + origin(url)
                    + " with the connection's headers " + headers.headers().keySet());
        }
    }

    private ActionException transportFailure(URI url, Throwable cause,
            ConnectionHeaders headers) {
        if (cause instanceof HttpTimeoutException) {
            return timedOut(url);
        }
        if (cause instanceof ConnectException) {
            return ActionException.retryable(SUBJECT + ": cannot connect to " + origin(url),
                    null, null);
        }
        if (cause instanceof IllegalArgumentException) {
            return refused("the HTTP client refused the request to " + origin(url));
        }
        String what = cause instanceof IOException ? "failed" : "failed unexpectedly";
        return ActionException.retryable(SUBJECT + ": request to " + origin(url) + " " + what
                + ": " + headers.mask(String.valueOf(cause)), null, null);
    }

    private ActionException timedOut(URI url) {
        return ActionException.retryable(SUBJECT + ": no answer from " + origin(url)
                + " within " + settings.timeout(), null, null);
    }

    private JsonNode outcome(URI url, HttpResponse<LimitedBody.Bytes> response,
            ConnectionHeaders headers) {
        int status = response.statusCode();
        LimitedBody.Bytes body = response.body();
        String raw = new String(body.bytes(), StandardCharsets.UTF_8);
        // JSON is masked value by value after parsing, so that an echo written with unicode
        // escapes is masked too; other text, and JSON cut short, is masked as it stands.
        JsonNode parsed = body.truncated() ? null : parsedOrNull(raw);
        JsonNode masked = parsed == null ? null : masked(parsed, headers);
        String text = masked == null ? headers.mask(unescaped(raw)) : masked.toString();
        if (status / 100 == 2) {
            return result(status, response, text, masked, body.truncated());
        }
        throw failure(url, response, quote(text, body.truncated()));
    }

    private static JsonNode masked(JsonNode node, ConnectionHeaders headers) {
        if (node.isTextual()) {
            return TextNode.valueOf(headers.mask(node.asText()));
        }
        if (node.isObject()) {
            ObjectNode copy = ((ObjectNode) node).objectNode();
            node.fields().forEachRemaining(field -> copy.set(headers.mask(field.getKey()),
                    masked(field.getValue(), headers)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = ((ArrayNode) node).arrayNode();
            node.forEach(element -> copy.add(masked(element, headers)));
            return copy;
        }
        return node;
    }

    // Reads JSON's unicode escapes (a backslash, 'u', four hex digits) in text that is not
    // whole JSON, such as JSON cut short.
    private static String unescaped(String text) {
        if (!text.contains("\\u")) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 5 < text.length() && text.charAt(i + 1) == 'u'
                    && text.substring(i + 2, i + 6).chars().allMatch(h -> Character.digit(h, 16)
                            >= 0)) {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** 408, 429 and 5xx may pass later; redirects and other statuses will not. */
    private ActionException failure(URI url, HttpResponse<?> response, String quoted) {
        int status = response.statusCode();
        String message = SUBJECT + ": " + origin(url) + " answered " + status + quoted;
        if (status / 100 == 3) {
            return ActionException.permanent(message + "; redirects are not followed: give "
                    + "the URL the redirect points to", null);
        }
        if (status == 408 || status == 429 || status / 100 == 5) {
            String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
            return ActionException.retryable(message,
                    RetryAfter.parse(retryAfter, clock).orElse(null), null);
        }
        return ActionException.permanent(message, null);
    }

    private JsonNode result(int status, HttpResponse<?> response, String text, JsonNode parsed,
            boolean truncated) {
        ObjectNode result = json.createObjectNode();
        result.put("status", status);
        boolean isJson = response.headers().firstValue("Content-Type")
                .map(type -> type.toLowerCase(Locale.ROOT).contains("json")).orElse(false);
        if (text.isEmpty()) {
            result.putNull("body");
        } else if (isJson && parsed != null) {
            result.set("body", parsed);
        } else {
            result.put("body", text);
        }
        result.put("truncated", truncated);
        return result;
    }

    private JsonNode parsedOrNull(String text) {
        try {
            JsonNode parsed = json.readTree(text);
            return parsed == null || parsed.isMissingNode() ? null : parsed;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String quote(String text, boolean truncated) {
        if (text.isBlank()) {
            return " with no body";
        }
        String oneLine = text.strip().replaceAll("\\p{Cntrl}+", " ");
        return ": " + (oneLine.length() <= QUOTED_CHARS && !truncated ? oneLine
                : oneLine.substring(0, Math.min(QUOTED_CHARS, oneLine.length())) + "...");
    }

    private static ActionException refused(String reason) {
        return ActionException.permanent(SUBJECT + ": " + reason, null);
    }

    private static String origin(URI url) {
        return url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getHost()
                + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    @Override
    public String toString() {
        return "PostAction[allowed hosts " + settings.allowedHosts() + ", private hosts "
                + settings.privateHosts() + "]";
    }
}
