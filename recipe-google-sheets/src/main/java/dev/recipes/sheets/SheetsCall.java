package dev.recipes.sheets;

import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import java.net.http.HttpRequest;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one request to the Sheets API as a connection: adds the connection's access token,
 * tries once more with a new token after a 401, and classifies error answers.
 *
 * <p>Retryable: 429, 500, 502, 503, 504, a 403 with a rate-limit reason, and the transport
 * failures {@link ApiHttp} reports. Permanent: every other error answer, with Google's message.
 */
final class SheetsCall {

    private static final Logger LOG = LoggerFactory.getLogger(SheetsCall.class);
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504);

    private SheetsCall() {
    }

    /**
     * Sends a request and returns its successful answer.
     *
     * @param parts the service's wiring
     * @param connection the connection whose token authorizes the request
     * @param template the request without its {@code Authorization} header; copied per try
     * @param maxBodyBytes the largest answer read
     * @param subject what is being called, starting each error message
     * @return the 2xx response
     * @throws ActionException classified, if the request fails or Google answers an error
     */
    static ApiHttp.Response send(AppendRowAction.Wiring parts, Connection connection,
            HttpRequest.Builder template, int maxBodyBytes, String subject) {
        AccessToken token = parts.tokens().token(connection);
        ApiHttp.Response response = once(parts, template, token, maxBodyBytes, subject);
        if (response.status() == 401) {
            LOG.debug("Google refused the access token of connection '{}'; getting a new one",
                    connection.id());
            parts.tokens().invalidate(connection.id(), token);
            token = parts.tokens().token(connection);
            response = once(parts, template, token, maxBodyBytes, subject);
        }
        if (response.status() / 100 == 2) {
            return response;
        }
        throw failure(response, parts, subject, token);
    }

    private static ApiHttp.Response once(AppendRowAction.Wiring parts,
            HttpRequest.Builder template, AccessToken token, int maxBodyBytes, String subject) {
        HttpRequest request;
        try {
            request = template.copy()
                    .header("Authorization", "Bearer " + token.value().reveal())
                    .build();
        } catch (IllegalArgumentException e) {
            // The builder's message quotes the header value it refused: the bearer token.
            throw ActionException.permanent(subject + ": the request to Google cannot be "
                    + "built with the access token of service account '" + token.clientEmail()
                    + "'", null);
        }
        return parts.http().send(request, subject, maxBodyBytes);
    }

    private static ActionException failure(ApiHttp.Response response,
            AppendRowAction.Wiring parts, String subject, AccessToken token) {
        GoogleError error = GoogleError.parse(response.status(), response.body(), parts.json());
        String message = subject + ": Google answered " + error.describe();
        int status = response.status();
        if (RETRYABLE.contains(status) || status == 403 && error.isRateLimit()) {
            return ActionException.retryable(message,
                    parts.http().retryAfter(response.headers()), null);
        }
        if (status == 401) {
            return ActionException.permanent(message + "; a fresh access token was refused "
                    + "too", null);
        }
        if (status == 403) {
            return ActionException.permanent(message + "; share the spreadsheet with '"
                    + token.clientEmail() + "' as an editor", null);
        }
        return ActionException.permanent(message, null);
    }
}
