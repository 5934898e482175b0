package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks for several idempotency keys in a key column with one {@code spreadsheets.values.get},
 * for rows whose appends went out together: as {@link KeyLookup} does for one key, with the
 * same request, the same limit on the answer and the same classification of failures.
 */
final class KeyColumnScan {

    private static final Pattern FIRST_ROW = Pattern.compile("[A-Za-z]{1,3}([0-9]{1,7}).*");

    private KeyColumnScan() {
    }

    /**
     * Finds the rows holding some keys in a column.
     *
     * @param parts the service's wiring
     * @param connection the connection to read as
     * @param spreadsheetId the spreadsheet
     * @param column the whole column, such as {@code Log!F:F}
     * @param keys the idempotency keys, as the action writes them
     * @param subject the append's subject, starting each error message
     * @return the row number (from 1) of the first cell holding each key found
     * @throws ActionException classified as {@link KeyLookup#findRow} does
     */
    static Map<String, Integer> findRows(AppendRowAction.Wiring parts, Connection connection,
            String spreadsheetId, String column, Set<String> keys, String subject) {
        String readSubject = subject + ": looking up the idempotency key in '" + column + "'";
        URI uri = URI.create(parts.settings().apiUrl() + "/v4/spreadsheets/"
                + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                + A1Range.encodePathSegment(column)
                + "?majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(parts.settings().requestTimeout())
                .header("Accept", "application/json")
                .GET();

        ApiHttp.Response response = SheetsCall.send(parts, connection, request,
                KeyLookup.MAX_BODY_BYTES, readSubject);
        try (JsonParser parser = parts.json().getFactory().createParser(response.body())) {
            return scan(parser, keys);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage()
                    : e.getMessage();
            throw ActionException.retryable(readSubject + ": Google's answer is not a "
                    + "ValueRange (" + GoogleError.clean(String.valueOf(why)) + ")", null, e);
        }
    }

    private static Map<String, Integer> scan(JsonParser parser, Set<String> keys)
            throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("not a JSON object");
        }
        int firstRow = 1;
        Map<String, Integer> indexes = Map.of();
        for (JsonToken field = parser.nextToken(); field != JsonToken.END_OBJECT;
                field = parser.nextToken()) {
            if (field != JsonToken.FIELD_NAME) {
                throw new IOException("the answer ends before its object does");
            }
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("range".equals(name) && value == JsonToken.VALUE_STRING) {
                Matcher cells = FIRST_ROW.matcher(parser.getText()
                        .substring(parser.getText().lastIndexOf('!') + 1));
                firstRow = cells.matches() ? Integer.parseInt(cells.group(1)) : 1;
            } else if ("values".equals(name)) {
                if (value != JsonToken.START_ARRAY) {
                    throw new IOException("'values' is not an array");
                }
                indexes = indexesOf(parser, keys);
            } else {
                parser.skipChildren();
            }
        }
        Map<String, Integer> rows = new HashMap<>();
        int offset = firstRow;
        indexes.forEach((key, index) -> rows.put(key, offset + index));
        return rows;
    }

    /** Reads {@code values} to its end; returns the index of each key in the first column. */
    private static Map<String, Integer> indexesOf(JsonParser parser, Set<String> keys)
            throws IOException {
        Map<String, Integer> found = new HashMap<>();
        boolean firstColumn = true;
        for (JsonToken column = parser.nextToken(); column != JsonToken.END_ARRAY;
                column = parser.nextToken()) {
            if (column != JsonToken.START_ARRAY) {
                throw new IOException(column == null ? "the answer ends inside 'values'"
                        : "'values' holds " + column + " where a column belongs");
            }
            int row = 0;
            for (JsonToken cell = parser.nextToken(); cell != JsonToken.END_ARRAY;
                    cell = parser.nextToken()) {
                if (cell == null) {
                    throw new IOException("the answer ends inside 'values'");
                }
                parser.skipChildren();
                if (firstColumn && cell == JsonToken.VALUE_STRING) {
                    String text = parser.getText();
                    String key = text.startsWith("'") && !keys.contains(text)
                            ? text.substring(1) : text;
                    if (keys.contains(key)) {
                        found.putIfAbsent(key, row);
                    }
                }
                row++;
            }
            firstColumn = false;
        }
        return found;
    }
}
