package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.RetryAfter;
import dev.recipes.core.spi.ServiceContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls Slack's Web API and {@code response_url}s with JSON bodies, and classifies every
 * failure as retryable or permanent. Made when the service starts; thread-safe.
 */
final class SlackWebApi {

    /** The Web API's base URL unless {@code slack.api-url} names another. */
    static final String DEFAULT_API_URL = "https://slack.com/api";
    /** How long one request may take unless {@code slack.request-timeout} says otherwise. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SlackWebApi.class);
    private static final String RESPONSE_HOST = "hooks.slack.com";
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final String JSON_UTF8 = "application/json; charset=utf-8";
    private static final java.util.regex.Pattern LOOPBACK_V4 = java.util.regex.Pattern.compile(
            "127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    private final HttpClient client;
    private final Clock clock;
    private final ObjectMapper json;
    private final ObjectReader exactReader;
    private final String apiUrl;
    private final Duration timeout;
    private final List<URI> responseUrlPrefixes;
    private final SlackRateLimiter limiter;

    private SlackWebApi(ServiceContext context, String apiUrl, Duration timeout,
            List<URI> responseUrlPrefixes) {
        this.client = context.httpClient();
        this.clock = context.clock();
        this.json = context.json();
        // Decimal numbers stay exact, trailing zeros included, should Slack ever send a ts
        // as a number instead of a string.
        this.exactReader = json.reader()
                .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
        this.apiUrl = apiUrl;
        this.timeout = timeout;
        this.responseUrlPrefixes = List.copyOf(responseUrlPrefixes);
        this.limiter = new SlackRateLimiter(clock);
    }

    /**
     * Reads {@code slack.api-url}, {@code slack.request-timeout} and
     * {@code slack.response-url-prefixes}.
     *
     * @param context the service's context
     * @return the client
     * @throws RecipeException if a setting is not valid, quoting it
     */
    static SlackWebApi from(ServiceContext context) {
        String apiUrl = context.config(SlackService.API_URL_KEY)
                .map(url -> checkBaseUrl(url, SlackService.API_URL_KEY))
                .orElse(DEFAULT_API_URL);
        Duration timeout = context.config(SlackService.REQUEST_TIMEOUT_KEY)
                .map(SlackWebApi::timeout).orElse(DEFAULT_TIMEOUT);
        List<URI> prefixes = new ArrayList<>();
        context.config(SlackService.RESPONSE_URL_PREFIXES_KEY).ifPresent(list -> {
            for (String item : list.split(",")) {
                if (!item.isBlank()) {
                    prefixes.add(prefix(item.strip()));
                }
            }
        });
        if (apiUrl.startsWith("http://") && !isLoopback(URI.create(apiUrl))) {
            LOG.warn("Config 'slack.{}' '{}' is plain http to another host: bot tokens would "
                    + "travel unencrypted; use https", SlackService.API_URL_KEY, apiUrl);
        }
        LOG.info("Slack Web API at '{}', request timeout {}", apiUrl, timeout);
        return new SlackWebApi(context, apiUrl, timeout, prefixes);
    }

    /**
     * Tells whether a URL names a loopback host: {@code localhost}, an IPv4 literal in
     * 127.0.0.0/8, or {@code [::1]}.
     *
     * @param uri the URL
     * @return {@code true} for a loopback host
     */
    static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        return host != null && (host.equalsIgnoreCase("localhost") || host.equals("[::1]")
                || LOOPBACK_V4.matcher(host).matches());
    }

    String apiUrl() {
        return apiUrl;
    }

    Duration timeout() {
        return timeout;
    }

    List<URI> responseUrlPrefixes() {
        return responseUrlPrefixes;
    }

    SlackRateLimiter limiter() {
        return limiter;
    }

    ObjectMapper json() {
        return json;
    }

    /**
     * Calls a Web API method with a bearer token.
     *
     * @param method such as {@code chat.postMessage}
     * @param token the bot token
     * @param body the JSON arguments
     * @param subject what is being done, starting each error message
     * @return Slack's answer, whose {@code ok} is {@code true}
     * @throws ActionException classified: rate limits, 5xx, timeouts and transient error codes
     *     are retryable; everything else is permanent
     */
    JsonNode call(String method, Secret token, ObjectNode body, String subject) {
        return call(method, token, body, subject, null);
    }

    /**
     * Calls a Web API method as {@link #call(String, Secret, ObjectNode, String)} does, but
     * returns Slack's answer when it fails with one given code, which the caller counts as
     * done.
     *
     * @param method such as {@code reactions.add}
     * @param token the bot token
     * @param body the JSON arguments
     * @param subject what is being done, starting each error message
     * @param doneCode an error code that means the effect is already there, such as
     *     {@code already_reacted}, or {@code null}
     * @return Slack's answer: {@code ok} is {@code true}, or the error is {@code doneCode}
     * @throws ActionException classified as {@link #call(String, Secret, ObjectNode, String)}
     */
    JsonNode call(String method, Secret token, ObjectNode body, String subject,
            String doneCode) {
        // A token with a line break (read from a file with its newline) would make the HTTP
        // client throw with the header, token and all, in its message.
        if (token.reveal().chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw ActionException.permanent(subject + ": the connection's secret 'bot-token' "
                    + "holds a space, line break or other control character; store the token "
                    + "alone", null);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/" + method))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token.reveal())
                .header("Content-Type", JSON_UTF8)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body, subject)))
                .build();
        return answer(send(request, subject), subject, false, doneCode);
    }

    /**
     * Calls {@code oauth.v2.access} with a form body and the app's client credentials in HTTP
     * Basic, as Slack prefers: to exchange an install's code, or a refresh token for new
     * tokens.
     *
     * @param form the form fields, such as {@code code} and {@code redirect_uri}
     * @param clientId the app's client id
     * @param clientSecret the app's client secret
     * @param subject what is being done, starting each error message
     * @return Slack's answer, whose {@code ok} is {@code true}
     * @throws ActionException classified as {@link #call(String, Secret, ObjectNode, String)}
     */
    JsonNode oauthAccess(java.util.Map<String, String> form, String clientId,
            Secret clientSecret, String subject) {
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> body.append(body.length() == 0 ? "" : "&")
                .append(formEncode(name)).append('=').append(formEncode(value)));
        String basic = java.util.Base64.getEncoder().encodeToString(
                (formEncode(clientId) + ":" + formEncode(clientSecret.reveal()))
                        .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/oauth.v2.access"))
                .timeout(timeout)
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(),
                        StandardCharsets.UTF_8))
                .build();
        return answer(send(request, subject), subject, false, null);
    }

    private static String formEncode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Posts to a {@code response_url}, which needs no token.
     *
     * @param url a URL {@link #checkResponseUrl(String, String) checked} before
     * @param body the message
     * @param subject what is being done, starting each error message
     * @return Slack's answer, or {@code {"ok":true}} when Slack answered plain text
     * @throws ActionException classified as {@link #call} does; 404 (an expired or used-up
     *     URL) is permanent
     */
    JsonNode respond(URI url, ObjectNode body, String subject) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", JSON_UTF8)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body, subject)))
                .build();
        return answer(send(request, subject), subject, true, null);
    }

    /**
     * Checks that a {@code response_url} is Slack's: https on {@code hooks.slack.com}, or
     * under one of the configured prefixes. Anything else is refused, so a parameter taken
     * from an event can never point the engine at another host.
     *
     * @param text the URL
     * @param subject starts the error message
     * @return the URL
     * @throws ActionException (permanent) if the URL is not allowed; the message names only
     *     its scheme and host, since the path holds a credential
     */
    URI checkResponseUrl(String text, String subject) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw ActionException.permanent(subject + ": parameter 'response_url' is not a URL",
                    null);
        }
        if (allowed(uri, responseUrlPrefixes)) {
            return uri;
        }
        throw ActionException.permanent(subject + ": parameter 'response_url' ('"
                + uri.getScheme() + "://" + uri.getHost() + "/...') is not an https URL on "
                + RESPONSE_HOST + "; other hosts are refused unless listed in config 'slack."
                + SlackService.RESPONSE_URL_PREFIXES_KEY + "'", null);
    }

    /**
     * Tells whether a {@code response_url} may be posted to: https on {@code hooks.slack.com}
     * (default port), or under one of the prefixes (same scheme, host and port, path under the
     * prefix's); never with user info, a fragment or a dot segment, plain or encoded.
     *
     * @param uri the URL
     * @param prefixes the configured prefixes
     * @return {@code true} if allowed
     */
    static boolean allowed(URI uri, List<URI> prefixes) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        boolean plain = uri.isAbsolute() && uri.getHost() != null && uri.getRawUserInfo() == null
                && uri.getRawFragment() == null && !path.contains("..")
                && !path.toLowerCase(Locale.ROOT).contains("%2e");
        return plain && (isSlackHook(uri) || underPrefix(uri, path, prefixes));
    }

    private static boolean isSlackHook(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme())
                && RESPONSE_HOST.equalsIgnoreCase(uri.getHost())
                && (uri.getPort() == -1 || uri.getPort() == 443);
    }

    private static boolean underPrefix(URI uri, String path, List<URI> prefixes) {
        for (URI prefix : prefixes) {
            if (prefix.getScheme().equalsIgnoreCase(uri.getScheme())
                    && prefix.getHost().equalsIgnoreCase(uri.getHost())
                    && prefix.getPort() == uri.getPort()
                    && path.startsWith(prefix.getRawPath())) {
                return true;
            }
        }
        return false;
    }

    private JsonNode answer(Answer answer, String subject, boolean plainOk, String doneCode) {
        int status = answer.status();
        if (status == 429) {
            throw ActionException.retryable(subject + ": Slack answered 429 (rate limited)",
                    answer.retryAfter(), null);
        }
        if (status >= 500) {
            throw ActionException.retryable(subject + ": Slack answered " + status,
                    answer.retryAfter(), null);
        }
        if (plainOk && status == 404) {
            throw ActionException.permanent(subject + ": Slack answered 404: the response URL "
                    + "has expired (30 minutes) or was used up (5 posts)", null);
        }
        if (status / 100 != 2) {
            throw ActionException.permanent(subject + ": Slack answered " + status, null);
        }
        String text = new String(answer.body(), StandardCharsets.UTF_8).strip();
        if (plainOk && text.equals("ok")) {
            return json.createObjectNode().put("ok", true);
        }
        JsonNode node = parse(text);
        if (node == null || !node.isObject()) {
            throw ActionException.permanent(subject + ": Slack's answer is not a JSON object; "
                    + "the call may have had its effect", null);
        }
        if (node.path("ok").asBoolean(false)
                || doneCode != null && doneCode.equals(node.path("error").asText())) {
            return node;
        }
        throw failure(node, subject, answer.retryAfter());
    }

    private static ActionException failure(JsonNode node, String subject, Duration retryAfter) {
        String code = node.path("error").asText("");
        if (code.isEmpty()) {
            return ActionException.permanent(subject + ": Slack answered ok:false without an "
                    + "error code", null);
        }
        if (SlackErrors.retryable(code)) {
            return ActionException.retryable(subject + ": Slack answered error '" + code + "'",
                    retryAfter, null);
        }
        String needed = node.path("needed").isTextual()
                ? " (needed scope '" + node.path("needed").asText() + "')" : "";
        return ActionException.permanent(subject + ": Slack answered error '" + code + "'"
                + needed + SlackErrors.hint(code), null);
    }

    private JsonNode parse(String text) {
        try {
            return exactReader.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Reads a {@code ts} from an answer as text, exactly as Slack wrote it.
     *
     * @param node the field's value
     * @return the ts, or {@code null} if absent or neither text nor a number
     */
    static String ts(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        return node.isNumber() ? node.decimalValue().toPlainString() : null;
    }

    private Answer send(HttpRequest request, String subject) {
        String origin = request.uri().getScheme() + "://" + request.uri().getAuthority();
        try {
            HttpResponse<InputStream> response = client.send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_BODY_BYTES);
            }
            Duration retryAfter = RetryAfter.parse(response.headers()
                    .firstValue("Retry-After").orElse(null), clock).orElse(null);
            return new Answer(response.statusCode(), body, retryAfter);
        } catch (IllegalArgumentException e) {
            // The client's message may quote a header value, the bearer token among them.
            throw ActionException.permanent(subject + ": the HTTP client refused the request "
                    + "to '" + origin + "'", null);
        } catch (HttpTimeoutException e) {
            throw ActionException.retryable(subject + ": no answer from '" + origin
                    + "' within " + timeout, null, e);
        } catch (ConnectException e) {
            throw ActionException.retryable(subject + ": cannot connect to '" + origin + "'",
                    null, e);
        } catch (IOException e) {
            throw ActionException.retryable(subject + ": request to '" + origin + "' failed: "
                    + e.getClass().getSimpleName(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while waiting for '"
                    + origin + "'", null, e);
        }
    }

    private byte[] bytes(ObjectNode body, String subject) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw ActionException.permanent(subject + ": the arguments cannot be written as "
                    + "JSON", e);
        }
    }

    private static String checkBaseUrl(String value, String key) {
        String url = value.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() != null && uri.getRawUserInfo() == null && uri.getQuery() == null
                    && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                return url;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new RecipeException("config 'slack." + key + "': '" + value + "' is not an http "
                + "or https URL with a host and no query");
    }

    private static URI prefix(String value) {
        String key = SlackService.RESPONSE_URL_PREFIXES_KEY;
        checkBaseUrl(value, key);
        URI uri = URI.create(value);
        if (uri.getRawPath() == null || !uri.getRawPath().endsWith("/")
                || uri.getRawPath().contains("..") || uri.getRawFragment() != null) {
            throw new RecipeException("config 'slack." + key + "': '" + value + "' must end "
                    + "its path with '/', such as 'http://127.0.0.1:8089/response/'");
        }
        return uri;
    }

    private static Duration timeout(String value) {
        String key = "slack." + SlackService.REQUEST_TIMEOUT_KEY;
        Duration parsed;
        try {
            parsed = value.strip().chars().allMatch(Character::isDigit) && !value.isBlank()
                    ? Duration.ofSeconds(Long.parseLong(value.strip()))
                    : Duration.parse(value.strip());
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new RecipeException("config '" + key + "': '" + value + "' is not a duration "
                    + "(ISO 8601, such as PT10S, or seconds)");
        }
        if (parsed.isZero() || parsed.isNegative()) {
            throw new RecipeException("config '" + key + "': '" + value + "' must be positive");
        }
        return parsed;
    }

    /**
     * An HTTP answer.
     *
     * @param status the status
     * @param body the body, cut at {@link #MAX_BODY_BYTES}
     * @param retryAfter Slack's {@code Retry-After}, or {@code null}
     */
    private record Answer(int status, byte[] body, Duration retryAfter) {
    }

    @Override
    public String toString() {
        return "SlackWebApi[" + apiUrl + ", timeout " + timeout + "]";
    }
}
