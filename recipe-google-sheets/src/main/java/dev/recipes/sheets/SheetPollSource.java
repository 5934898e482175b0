package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.polling.PollException;
import dev.recipes.core.polling.PollRequest;
import dev.recipes.core.polling.PollResult;
import dev.recipes.core.polling.PollSource;
import dev.recipes.core.polling.PolledItem;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a range with {@code spreadsheets.values.get} for the service's polling triggers and
 * returns every non-empty row as an item; the engine fires the rows whose keys it has not
 * seen.
 *
 * <p>A row's key never depends on its row number alone, so that inserting, deleting or sorting
 * rows fires nothing:
 * <ul>
 *   <li>new row, with a key column: {@code k:} and the key cell's text; a row whose key cell is
 *       empty is skipped until it is filled;</li>
 *   <li>new row, without a key column: {@code c:}, a hash of the row's cells, {@code #} and
 *       how many rows with the same cells come before it;</li>
 *   <li>changed row: {@code k:}, the key cell's text, {@code @} and a hash of the row's cells,
 *       so that each new content of a row fires once.</li>
 * </ul>
 * A key cell longer than 200 characters, or holding a control character, is replaced by
 * {@code h:} and its hash. Each item's data is {@code spreadsheetId}, {@code range},
 * {@code row} (its number in the sheet when read), {@code values} (the cells, unformatted)
 * and, with a key column, {@code key}.
 */
final class SheetPollSource implements PollSource {

    private static final Pattern FIRST_ROW = Pattern.compile("[A-Za-z]{0,3}([0-9]{1,7}).*");
    private static final int MAX_PLAIN_KEY = 200;
    private static final int HASH_BYTES = 16;

    private final Supplier<AppendRowAction.Wiring> wiring;

    SheetPollSource(Supplier<AppendRowAction.Wiring> wiring) {
        this.wiring = wiring;
    }

    @Override
    public PollResult poll(PollRequest request) {
        JsonNode params = request.trigger().params();
        String mode = params.path("mode").asText();
        String spreadsheetId = params.path("spreadsheetId").asText();
        String range = params.path("range").asText();
        String keyColumn = params.hasNonNull("keyColumn") ? params.get("keyColumn").asText()
                : null;
        String subject = "google-sheets " + mode + " trigger on '" + range + "'";
        AppendRowAction.Wiring parts;
        JsonNode answer;
        try {
            parts = wiring.get();
            answer = read(parts, request.requireConnection(), spreadsheetId, range, subject);
        } catch (ActionException e) {
            throw new PollException(e.getMessage(), e.retryAfter().orElse(null), e);
        }
        return PollResult.of(items(answer, mode, spreadsheetId, range, keyColumn, parts),
                null);
    }

    private static JsonNode read(AppendRowAction.Wiring parts, Connection connection,
            String spreadsheetId, String range, String subject) {
        URI uri = URI.create(parts.settings().apiUrl() + "/v4/spreadsheets/"
                + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                + A1Range.encodePathSegment(range)
                + "?majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(parts.settings().requestTimeout())
                .header("Accept", "application/json")
                .GET();
        ApiHttp.Response response = SheetsCall.send(parts, connection, request,
                KeyLookup.MAX_BODY_BYTES, subject);
        JsonNode answer;
        try {
            answer = parts.json().readTree(response.body());
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.isObject() || answer.has("values")
                && !answer.get("values").isArray()) {
            throw new PollException(subject + ": Google's answer is not a ValueRange", null,
                    null);
        }
        return answer;
    }

    private static List<PolledItem> items(JsonNode answer, String mode, String spreadsheetId,
            String range, String keyColumn, AppendRowAction.Wiring parts) {
        String answered = answer.path("range").asText(range);
        int firstRow = firstRow(answered);
        int keyIndex = keyColumn == null ? -1
                : A1Range.columnIndex(keyColumn) - A1Range.firstColumn(answered);
        // Limitation: without a key column a row is known by its cells, so an edited row fires
        // as a new one; and a range with more rows than the trigger's maxSeenKeys fires the
        // rows it forgot again. Both are in the factories' Javadoc.
        Map<String, Integer> repeats = new HashMap<>();
        List<PolledItem> items = new ArrayList<>();
        int index = 0;
        for (JsonNode row : answer.path("values")) {
            int number = firstRow + index++;
            if (!row.isArray() || isEmpty(row)) {
                continue;
            }
            String key = keyIndex < 0 ? null : keyText(row.path(keyIndex));
            if (keyIndex >= 0 && key == null) {
                continue;
            }
            String hash = hash(row.toString());
            String itemKey;
            if (SheetsTriggers.MODE_ROW_CHANGED.equals(mode)) {
                itemKey = "k:" + key + "@" + hash;
            } else if (key != null) {
                itemKey = "k:" + key;
            } else {
                itemKey = "c:" + hash + "#" + repeats.merge(hash, 1, Integer::sum);
            }
            ObjectNode data = parts.json().createObjectNode()
                    .put("spreadsheetId", spreadsheetId)
                    .put("range", range)
                    .put("row", number);
            data.set("values", row);
            if (key != null) {
                data.put("key", key);
            }
            items.add(new PolledItem(itemKey, data, null, key));
        }
        return items;
    }

    private static boolean isEmpty(JsonNode row) {
        for (JsonNode cell : row) {
            if (!cell.isNull() && !(cell.isTextual() && cell.asText().isEmpty())) {
                return false;
            }
        }
        return true;
    }

    /** The key cell as text, shortened to a hash when long or odd; null when empty. */
    private static String keyText(JsonNode cell) {
        if (cell.isMissingNode() || cell.isNull() || cell.isContainerNode()) {
            return null;
        }
        String text = cell.asText().strip();
        if (text.isEmpty()) {
            return null;
        }
        if (text.length() > MAX_PLAIN_KEY || text.chars().anyMatch(Character::isISOControl)) {
            return "h:" + hash(text);
        }
        return text;
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, HASH_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static int firstRow(String range) {
        Matcher cells = FIRST_ROW.matcher(range.substring(range.lastIndexOf('!') + 1));
        return cells.matches() ? Integer.parseInt(cells.group(1)) : 1;
    }
}
