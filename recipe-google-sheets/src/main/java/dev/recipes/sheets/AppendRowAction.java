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
import dev.recipes.core.spi.ActionOutcome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code append-row} action: appends one row to a sheet with
 * {@code spreadsheets.values.append}.
 *
 * <p>Parameters: {@code spreadsheetId} and {@code range} (text), {@code values} (an array of
 * text, numbers, booleans and nulls; null is written as an empty cell), optionally
 * {@code valueInputOption} ({@code RAW} by default, or {@code USER_ENTERED}, in which text
 * starting with {@code = + - @}, tab or CR gets a leading apostrophe so it cannot run as a
 * formula) and optionally {@code keyColumn} (column letters, such as {@code F}). The result is
 * the {@code updates} object of Google's answer: {@code updatedRange}, {@code updatedRows},
 * {@code updatedColumns}, {@code updatedCells}.
 *
 * <p>With a key column, each row carries the invocation's idempotency key in that column (the
 * cells between the values and the key are written empty), and the result also has
 * {@code "alreadyWritten": false}. When the invocation {@linkplain
 * ActionInvocation#mayHaveRunBefore() may have run before}, the action first reads the key
 * column; if the key is there, it appends nothing and returns {@code spreadsheetId},
 * {@code updatedRange} (the row an earlier attempt wrote) and {@code "alreadyWritten": true}.
 *
 * <p>Failures: 429, 500, 502, 503, 504, a 403 with a rate-limit reason, timeouts and lost
 * connections are retryable, with Google's {@code Retry-After} when given; a 401 drops the
 * cached token and tries once more with a new one; other answers are permanent, with Google's
 * message. The key-column read is classified the same way.
 *
 * <p>Rows for the same connection, spreadsheet, range, value input option and key column that
 * come close together go to Google as one request (see {@link AppendCoalescer}); each
 * invocation still gets its own result, its own row of the answer, or its own failure, and
 * key-column checks that come together share one read. After a quota refusal, the
 * connection's appends are held back as Google asks.
 */
final class AppendRowAction implements Action {

    /** The action's name. */
    static final String NAME = "append-row";

    private static final Logger LOG = LoggerFactory.getLogger(AppendRowAction.class);
    private static final String FORMULA_START = "=+-@\t\r";
    /** Sends each row alone, until the service sets its coalescer. */
    private static final AppendCoalescer ALONE = new AppendCoalescer(Duration.ZERO, 1,
            Clock.systemUTC());

    private final Supplier<Wiring> wiring;
    private volatile AppendCoalescer coalescer;

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

    /**
     * Sets how rows are sent together; the service sets it when it starts. Until then each row
     * goes alone.
     *
     * @param coalescer the coalescer of the service
     */
    void coalesce(AppendCoalescer coalescer) {
        this.coalescer = coalescer;
    }

    /**
     * Asks for as many threads per recipe as rows may wait together, so that a burst fills a
     * batch; 1 when coalescing is off.
     *
     * @return the concurrency
     */
    @Override
    public int concurrency() {
        AppendCoalescer started = coalescer;
        return started == null ? 1 : started.concurrency();
    }

    /**
     * Takes as many requests at once as one append may carry rows when coalescing is on, so
     * that the engine hands a recipe's waiting rows over together; 1 when it is off.
     *
     * @return the batch size
     */
    @Override
    public int maxBatch() {
        AppendCoalescer started = coalescer;
        return started == null ? 1 : started.maxBatch();
    }

    /**
     * Lets the first row of a batch wait the coalescing delay for others, so that the rows
     * that come meanwhile go in the same request; zero when coalescing is off.
     *
     * @return the delay
     */
    @Override
    public Duration batchDelay() {
        AppendCoalescer started = coalescer;
        return started == null ? Duration.ZERO : started.delay();
    }

    /**
     * Appends the rows of several invocations with as few requests as the coalescing settings
     * allow (see {@link AppendCoalescer#appendTogether}), each invocation with its own outcome;
     * a retried invocation with a key column is first looked up, all of them with one read per
     * place.
     *
     * @param invocations the invocations, of one recipe and connection
     * @return one outcome per invocation, in order
     */
    @Override
    public List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
        Wiring parts = wiring.get();
        AppendCoalescer rows = coalescer();
        ActionOutcome[] outcomes = new ActionOutcome[invocations.size()];
        // The rows still to send, by place, in the order they came.
        Map<AppendCoalescer.Target, Pending> pending = new LinkedHashMap<>();
        for (int i = 0; i < invocations.size(); i++) {
            ActionInvocation invocation = invocations.get(i);
            try {
                Prepared prepared = prepare(invocation, parts, rows);
                pending.computeIfAbsent(prepared.target().place(),
                        place -> new Pending(prepared.target())).add(i, invocation,
                                prepared.row());
            } catch (ActionException e) {
                outcomes[i] = ActionOutcome.failed(e);
            }
        }
        for (Pending place : pending.values()) {
            place.send(outcomes);
        }
        return List.of(outcomes);
    }

    /** The rows of a batch for one place, with the invocations they belong to. */
    private static final class Pending {
        private final Target target;
        private final List<Integer> indexes = new ArrayList<>();
        private final List<ActionInvocation> invocations = new ArrayList<>();
        private final List<ArrayNode> rows = new ArrayList<>();

        Pending(Target target) {
            this.target = target;
        }

        void add(int index, ActionInvocation invocation, ArrayNode row) {
            indexes.add(index);
            invocations.add(invocation);
            rows.add(row);
        }

        void send(ActionOutcome[] outcomes) {
            String keyColumn = target.keyColumn();
            Map<String, Integer> written = Map.of();
            if (keyColumn != null) {
                Set<String> retried = new LinkedHashSet<>();
                invocations.stream().filter(ActionInvocation::mayHaveRunBefore)
                        .forEach(invocation -> retried.add(invocation.idempotencyKey()));
                if (!retried.isEmpty()) {
                    try {
                        written = target.findKeys(retried);
                    } catch (ActionException e) {
                        for (int i = 0; i < indexes.size(); i++) {
                            if (invocations.get(i).mayHaveRunBefore()) {
                                outcomes[indexes.get(i)] = ActionOutcome.failed(e);
                            }
                        }
                    }
                }
            }
            List<Integer> sending = new ArrayList<>();
            List<ArrayNode> sent = new ArrayList<>();
            for (int i = 0; i < indexes.size(); i++) {
                int index = indexes.get(i);
                ActionInvocation invocation = invocations.get(i);
                if (outcomes[index] != null) {
                    continue;
                }
                Integer earlier = written.get(invocation.idempotencyKey());
                if (earlier != null) {
                    LOG.debug("{}: an earlier attempt wrote '{}' in row {}; not appending again",
                            target.subject(), invocation.idempotencyKey(), earlier);
                    outcomes[index] = ActionOutcome.succeeded(
                            target.alreadyWritten(keyColumn, earlier));
                    continue;
                }
                ArrayNode row = rows.get(i);
                if (keyColumn != null) {
                    addKey(row, target.range(), keyColumn, invocation.idempotencyKey(),
                            target.option());
                }
                sending.add(index);
                sent.add(row);
            }
            if (sent.isEmpty()) {
                return;
            }
            List<ActionOutcome> results = target.coalescer().appendTogether(target.place(),
                    sent, target.subject(), target::send);
            for (int i = 0; i < sending.size(); i++) {
                ActionOutcome result = results.get(i);
                if (keyColumn != null && result.isSuccess() && result.result().isObject()) {
                    ((ObjectNode) result.result()).put("alreadyWritten", false);
                }
                outcomes[sending.get(i)] = result;
            }
        }
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
        Prepared prepared = prepare(invocation, wiring.get(), coalescer());
        Target target = prepared.target();
        // Limitation: without a key column nothing is checked, so a retry after an unknown
        // outcome (a timeout, a 503 after the write) may write the row twice.
        return target.keyColumn() == null ? target.append(prepared.row())
                : appendOnce(target, prepared.row(), target.keyColumn(), invocation);
    }

    /** An invocation's place and row, read and checked from its parameters. */
    private record Prepared(Target target, ArrayNode row) {
    }

    private static Prepared prepare(ActionInvocation invocation, Wiring parts,
            AppendCoalescer coalescer) {
        String spreadsheetId = spreadsheetId(invocation);
        String range = range(invocation);
        ValueInputOption option = valueInputOption(invocation);
        ArrayNode row = row(invocation, option, parts.json(), parts.settings().time());
        String keyColumn = keyColumn(invocation, range, row.size());
        return new Prepared(new Target(parts, invocation.requireConnection(), spreadsheetId,
                range, option, keyColumn, coalescer), row);
    }

    private AppendCoalescer coalescer() {
        AppendCoalescer started = coalescer;
        return started != null ? started : ALONE;
    }

    // Limitation: the read sees only writes Google finished before it; an earlier request that
    // Google is still working on (rare once the retry's backoff has passed) can still add its
    // row after the read, and then the row is written twice.
    private static JsonNode appendOnce(Target target, ArrayNode row, String keyColumn,
            ActionInvocation invocation) {
        String key = invocation.idempotencyKey();
        if (invocation.mayHaveRunBefore()) {
            OptionalInt written = target.findKey(key);
            if (written.isPresent()) {
                LOG.debug("{}: an earlier attempt wrote '{}' in row {}; not appending again",
                        target.subject(), key, written.getAsInt());
                return target.alreadyWritten(keyColumn, written.getAsInt());
            }
        }

        addKey(row, target.range(), keyColumn, key, target.option());
        JsonNode updates = target.append(row);
        ObjectNode result = updates.isObject() ? (ObjectNode) updates
                : target.parts().json().createObjectNode();
        return result.put("alreadyWritten", false);
    }

    /** Pads the row with empty cells up to the key column, and puts the key there. */
    private static void addKey(ArrayNode row, String range, String keyColumn, String key,
            ValueInputOption option) {
        int offset = A1Range.columnIndex(keyColumn) - A1Range.firstColumn(range);
        while (row.size() < offset) {
            row.add("");
        }
        // With USER_ENTERED, the apostrophe keeps the key as text, whatever it looks like.
        row.add(option == ValueInputOption.USER_ENTERED ? "'" + key : key);
    }

    /**
     * Where one invocation appends, and as whom.
     *
     * @param parts the service's wiring
     * @param connection the connection to act as
     * @param spreadsheetId the spreadsheet
     * @param range the checked range
     * @param option how Sheets reads the values
     * @param keyColumn the key column, or {@code null}
     * @param coalescer sends rows for the same place together
     */
    private record Target(Wiring parts, Connection connection, String spreadsheetId,
            String range, ValueInputOption option, String keyColumn,
            AppendCoalescer coalescer) {

        String subject() {
            return "action 'google-sheets/append-row': spreadsheet '" + spreadsheetId
                    + "' range '" + range + "'";
        }

        AppendCoalescer.Target place() {
            return new AppendCoalescer.Target(connection.id(), spreadsheetId, range, option,
                    keyColumn);
        }

        JsonNode append(ArrayNode row) {
            return coalescer.append(place(), row, subject(), this::send);
        }

        /** Sends rows as one request and returns Google's {@code updates}. */
        JsonNode send(List<ArrayNode> rows) {
            // Sent as the range's top-left cell, so Sheets starts the table in the named
            // column whatever data lies elsewhere on the sheet.
            String anchored = Ranges.anchor(range);
            URI uri = URI.create(parts.settings().apiUrl() + "/v4/spreadsheets/"
                    + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                    + A1Range.encodePathSegment(anchored) + ":append?valueInputOption=" + option
                    + "&insertDataOption=INSERT_ROWS");
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(parts.settings().requestTimeout())
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("Accept", "application/json")
                    .POST(body(anchored, rows, parts.json()));
            return updates(SheetsCall.send(parts, connection, request, ApiHttp.MAX_BODY_BYTES,
                    subject()), parts.json(), subject());
        }

        /** Looks several keys up with one read of the key column. */
        Map<String, Integer> findKeys(Set<String> keys) {
            String column = A1Range.sheet(range) + "!" + keyColumn + ":" + keyColumn;
            return coalescer.findKeysTogether(place(), keys, subject(),
                    wanted -> KeyColumnScan.findRows(parts, connection, spreadsheetId, column,
                            wanted, subject()));
        }

        /** Looks for the key, in one read with other rows' keys looked up close together. */
        OptionalInt findKey(String key) {
            String column = A1Range.sheet(range) + "!" + keyColumn + ":" + keyColumn;
            return coalescer.findKey(place(), key, subject(), keys -> {
                if (keys.size() > 1) {
                    return KeyColumnScan.findRows(parts, connection, spreadsheetId, column,
                            keys, subject());
                }
                String only = keys.iterator().next();
                OptionalInt row = KeyLookup.findRow(parts, connection, spreadsheetId, column,
                        only, subject());
                return row.isPresent() ? Map.of(only, row.getAsInt()) : Map.of();
            });
        }

        JsonNode alreadyWritten(String keyColumn, int rowNumber) {
            String first = A1Range.columnLetters(A1Range.firstColumn(range));
            return parts.json().createObjectNode()
                    .put("spreadsheetId", spreadsheetId)
                    .put("updatedRange", A1Range.sheet(range) + "!" + first + rowNumber + ":"
                            + keyColumn + rowNumber)
                    .put("alreadyWritten", true);
        }
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

    private static String keyColumn(ActionInvocation invocation, String range, int cells) {
        JsonNode value = invocation.param("keyColumn").orElse(null);
        if (value == null) {
            return null;
        }
        String column;
        try {
            column = A1Range.requireColumn(value.isTextual() ? value.asText()
                    : value.toString());
        } catch (IllegalArgumentException e) {
            throw invalid("parameter 'keyColumn': " + e.getMessage());
        }
        String problem = A1Range.keyColumnProblem(range, column, cells);
        if (problem != null) {
            throw invalid("parameter 'keyColumn': " + problem);
        }
        return column;
    }

    private static ArrayNode row(ActionInvocation invocation, ValueInputOption option,
            ObjectMapper json, TimeFormat time) {
        JsonNode values = invocation.params().get("values");
        if (values == null || !values.isArray() || values.isEmpty()) {
            throw invalid("parameter 'values' must be a non-empty array of cells");
        }
        Set<Integer> timestamps = new ActionParams(NAME, invocation)
                .timestampColumns(values.size());
        ArrayNode row = json.createArrayNode();
        for (int i = 0; i < values.size(); i++) {
            JsonNode cell = values.get(i);
            if (cell.isNull()) {
                row.add("");
            } else if (timestamps.contains(i)) {
                if (!cell.isTextual()) {
                    throw invalid("cell " + i + " of 'values' is marked as a timestamp but is "
                            + cell.getNodeType().name().toLowerCase(Locale.ROOT) + "; give "
                            + "ISO 8601 text, such as '2024-05-01T12:00:00Z'");
                }
                String text;
                try {
                    text = time.format(cell.asText());
                } catch (IllegalArgumentException e) {
                    throw invalid("cell " + i + " of 'values' is marked as a timestamp: "
                            + e.getMessage());
                }
                row.add(option == ValueInputOption.USER_ENTERED ? escapeFormula(text) : text);
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

    private static HttpRequest.BodyPublisher body(String range, List<ArrayNode> rows,
            ObjectMapper json) {
        ObjectNode body = json.createObjectNode();
        body.put("range", range);
        body.put("majorDimension", "ROWS");
        body.putArray("values").addAll(rows);
        try {
            return HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw ActionException.permanent("action 'google-sheets/append-row': the rows "
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
