package dev.recipes.core.oauth;

import dev.recipes.core.webhook.WebhookResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The answers of a service's OAuth pages, which a browser shows: redirects to a provider's
 * authorize page, the cookie that binds a flow's state to the browser, and short HTML pages
 * that say what happened.
 *
 * <p>Pages are served with {@code Cache-Control: no-store}, a Content-Security-Policy that
 * allows nothing to load and {@code X-Content-Type-Options: nosniff}; every text in them is
 * HTML-escaped, so a name or an error code from a provider cannot inject markup.
 */
public final class OAuthPages {

    private OAuthPages() {
    }

    /**
     * Makes a short HTML page.
     *
     * @param status the HTTP status
     * @param product what the page is about, shown in its title, such as {@code Slack}
     * @param title the page's heading
     * @param message one paragraph for the person who reads it
     * @return the answer
     */
    public static WebhookResponse page(int status, String product, String title,
            String message) {
        String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>" + escape(product) + ": " + escape(title) + "</title></head><body><h1>"
                + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>\n";
        return new WebhookResponse(status, Map.of(
                "Content-Type", "text/html; charset=utf-8",
                "Cache-Control", "no-store",
                "Content-Security-Policy", "default-src 'none'",
                "X-Content-Type-Options", "nosniff"), html.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Makes a {@code 302} redirect that is not cached, optionally setting a cookie.
     *
     * @param location where the browser goes
     * @param setCookie a {@code Set-Cookie} value, or {@code null}
     * @return the answer
     */
    public static WebhookResponse redirect(String location, String setCookie) {
        WebhookResponse response = WebhookResponse.status(302)
                .withHeader("Location", Objects.requireNonNull(location, "location"))
                .withHeader("Cache-Control", "no-store");
        return setCookie == null ? response : response.withHeader("Set-Cookie", setCookie);
    }

    /**
     * Appends form-encoded query parameters to a URL, after its own query if it has one.
     *
     * @param url such as a provider's authorize page
     * @param query the parameters, in order
     * @return the URL with the parameters
     */
    public static String withQuery(String url, Map<String, String> query) {
        StringBuilder out = new StringBuilder(url);
        char separator = url.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            out.append(separator)
                    .append(URLEncoder.encode(parameter.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(parameter.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return out.toString();
    }

    /**
     * Makes the {@code Set-Cookie} value of a flow's state cookie: HttpOnly, SameSite=Lax,
     * limited to the service's OAuth pages, and Secure when the flow returns over https.
     *
     * @param name the cookie's name
     * @param value its value; empty with {@code maxAgeSeconds} 0 to remove it
     * @param path the path it is sent to, such as {@code /oauth/slack/}
     * @param maxAgeSeconds how long it lives
     * @param redirectUri the flow's callback URL, whose scheme decides {@code Secure}
     * @return the header value
     */
    public static String stateCookie(String name, String value, String path, long maxAgeSeconds,
            URI redirectUri) {
        return name + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Lax"
                + ("https".equalsIgnoreCase(redirectUri.getScheme()) ? "; Secure" : "");
    }

    /**
     * Escapes text for HTML.
     *
     * @param text any text
     * @return the text with {@code < > & " '} as entities
     */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
