package dev.recipes.webhooks;

import dev.recipes.core.ActionStep;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * Steps that run the {@link HttpService}'s {@code post} action.
 *
 * <pre>{@code
 * Http.post("https://crm.example.com/api/payments")   // the URL, fixed
 *         .pointer("body", "/payload/data")           // the JSON body, from the event
 *         .as("crm")                                  // the connection with the headers
 *         .build()
 * }</pre>
 */
public final class Http {

    private Http() {
    }

    /**
     * Starts a step that posts to a fixed URL; give it the parameter {@code body}.
     *
     * @param url an http or https URL with a host; whether its host is allowed is checked
     *     when the action runs
     * @return a step builder
     * @throws IllegalArgumentException if the URL is not an http or https URL with a host, or
     *     has user info or a fragment
     */
    public static ActionStep.Builder post(String url) {
        Objects.requireNonNull(url, "url");
        URI parsed;
        try {
            parsed = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("http step: url is not a valid URI", e);
        }
        String scheme = parsed.getScheme() == null ? ""
                : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || parsed.getHost() == null
                || parsed.getRawUserInfo() != null || parsed.getRawFragment() != null) {
            throw new IllegalArgumentException("http step: url must be an http or https URL "
                    + "with a host, and without user info or fragment");
        }
        return post().constant("url", url);
    }

    /**
     * Starts a step that posts; give it the parameters {@code url} and {@code body}, such as
     * {@code .pointer("url", "/payload/callback_url")}. A URL taken from an event is only as
     * trustworthy as the event: keep {@code http.allowed-hosts} narrow, and give the
     * connection an {@code allowed-hosts} setting.
     *
     * @return a step builder
     */
    public static ActionStep.Builder post() {
        return ActionStep.of(HttpService.ID, PostAction.NAME);
    }
}
