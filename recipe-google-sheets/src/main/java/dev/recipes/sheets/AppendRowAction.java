package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code append-row} action: appends one row to a sheet with
 * {@code spreadsheets.values.append}.
 *
 * <p>Parameters: {@code spreadsheetId} and {@code range} (text), {@code values} (an array of
 * text, numbers, booleans and nulls; null is written as an empty cell) and optionally
 * {@code valueInputOption} ({@code RAW} by default, or {@code USER_ENTERED}, in which text
 * starting with {@code = + - @}, tab or CR gets a leading apostrophe so it cannot run as a
 * formula). The result is the {@code updates} object of Google's answer: {@code updatedRange},
 * {@code updatedRows}, {@code updatedColumns}, {@code updatedCells}.
 *
 * <p>Failures: 429, 500, 502, 503, 504, a 403 with a rate-limit reason, timeouts and lost
 * connections are retryable, with Google's {@code Retry-After} when given; a 401 drops the
 * cached token and tries once more with a new one; other answers are permanent, with Google's
 * message.
 */
final class AppendRowAction implements Action {

    /** The action's name. */
    static final String NAME = "append-row";

    private static final Logger LOG = LoggerFactory.getLogger(AppendRowAction.class);
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504);
    private static final String FORMULA_START = "=+-@\t\r";

    private final Supplier<Wiring> wiring;

    /**
     * What the action needs, made when its service starts.
     *
     * @param settings the configuration
     * @param http the HTTP sender
     * @param tokens the token cache
     * @param json a mapper
     */
    record Wiring(SheetsSettings settings, ApiHttp http, TokenSource tokens, ObjectMapper json) {
    }

    AppendRowAction(Supplier<Wiring> wiring) {
        this.wiring = wiring;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsConnection() {
        return true;
    }

    @Override
    public JsonNode execute(ActionInvocation invocation) {
        Wiring parts = wiring.get();
        String spreadsheetId = spreadsheetId(invocation);
        String range = range(invocation);
        ValueInputOption option = valueInputOption(invocation);
        ArrayNode row = row(invocation, option, parts.json());
        Connection connection = invocation.requireConnection();
        String subject = "action 'google-sheets/append-row': spreadsheet '" + spreadsheetId
                + "' range '" + range + "'";
        HttpRequest.BodyPublisher body = body(range, row, parts.json());
        URI uri = URI.create(parts.settings().apiUrl() + "/v4/spreadsheets/"
                + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                + A1Range.encodePathSegment(range) + ":append?valueInputOption=" + option
                + "&insertDataOption=INSERT_ROWS");

        AccessToken token = parts.tokens().token(connection);
        ApiHttp.Response response = send(parts, uri, body, token, subject);
        if (response.status() == 401) {
            LOG.debug("Google refused the access token of connection '{}'; getting a new one",
                    connection.id());
            parts.tokens().invalidate(connection.id(), token);
            token = parts.tokens().token(connection);
            response = send(parts, uri, body, token, subject);
        }
        if (response.status() / 100 == 2) {
            return updates(response, parts.json(), subject);
        }
        throw failure(response, parts, subject, token);
    }

    // Limitation: append is not idempotent at Google's side. A retry after a timeout or a 5xx
    // may add the row twice, and no key column is checked before appending again.
    private static ApiHttp.Response send(Wiring parts, URI uri,
            HttpRequest.BodyPublisher body, AccessToken token, String subject) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri)
                    .timeout(parts.settings().requestTimeout())
                    .header("Authorization", "Bearer " + token.value().reveal())
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("Accept", "application/json")
                    .POST(body)
                    .build();
        } catch (IllegalArgumentException e) {
            // The builder's message quotes the header value it refused: the bearer token.
            throw ActionException.permanent(subject + ": the request to Google cannot be "
                    + "built with the access token of service account '" + token.clientEmail()
                    + "'", null);
        }
        return parts.http().send(request, subject);
    }

    private static ActionException failure(ApiHttp.Response response, Wiring parts,
            String subject, AccessToken token) {
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

    private static JsonNode updates(ApiHttp.Response response, ObjectMapper json,
            String subject) {
        try {
            JsonNode answer = json.readTree(response.body());
            JsonNode updates = answer == null ? null : answer.get("updates");
            if (updates != null && updates.isObject()) {
                return updates;
            }
            LOG.warn("{}: Google's answer has no 'updates'; the row was probably appended",
                    subject);
            return answer == null ? json.createObjectNode() : answer;
        } catch (IOException e) {
            // The row was written; failing now would invite a retry that writes it again.
            LOG.warn("{}: Google's answer is not JSON; the row was probably appended", subject);
            return json.createObjectNode();
        }
    }

    private static String spreadsheetId(ActionInvocation invocation) {
        try {
            return A1Range.requireSpreadsheetId(invocation.requireText("spreadsheetId"));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static String range(ActionInvocation invocation) {
        try {
            return A1Range.requireValid(invocation.requireText("range"));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static ValueInputOption valueInputOption(ActionInvocation invocation) {
        JsonNode value = invocation.param("valueInputOption").orElse(null);
        if (value == null) {
            return ValueInputOption.RAW;
        }
        for (ValueInputOption option : ValueInputOption.values()) {
            if (value.isTextual() && option.name().equals(value.asText())) {
                return option;
            }
        }
        throw invalid("parameter 'valueInputOption' is " + value + "; use \"RAW\" or "
                + "\"USER_ENTERED\"");
    }

    private static ArrayNode row(ActionInvocation invocation, ValueInputOption option,
            ObjectMapper json) {
        JsonNode values = invocation.params().get("values");
        if (values == null || !values.isArray() || values.isEmpty()) {
            throw invalid("parameter 'values' must be a non-empty array of cells");
        }
        ArrayNode row = json.createArrayNode();
        for (int i = 0; i < values.size(); i++) {
            JsonNode cell = values.get(i);
            if (cell.isNull()) {
                row.add("");
            } else if (cell.isTextual()) {
                row.add(option == ValueInputOption.USER_ENTERED ? escapeFormula(cell.asText())
                        : cell.asText());
            } else if (cell.isNumber() || cell.isBoolean()) {
                row.add(cell);
            } else {
                throw invalid("cell " + i + " of 'values' is " + cell.getNodeType()
                        .name().toLowerCase(Locale.ROOT) + "; cells must be text, "
                        + "numbers, booleans or null");
            }
        }
        return row;
    }

    private static String escapeFormula(String text) {
        return !text.isEmpty() && FORMULA_START.indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    }

    private static HttpRequest.BodyPublisher body(String range, ArrayNode row,
            ObjectMapper json) {
        ObjectNode body = json.createObjectNode();
        body.put("range", range);
        body.put("majorDimension", "ROWS");
        body.putArray("values").add(row);
        try {
            return HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw ActionException.permanent("action 'google-sheets/append-row': the row "
                    + "cannot be written as JSON", e);
        }
    }

    private static ActionException invalid(String reason) {
        return ActionException.permanent("action 'google-sheets/append-row': " + reason, null);
    }

    @Override
    public String toString() {
        return "Action[google-sheets/append-row]";
    }
}
