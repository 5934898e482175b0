package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks for an idempotency key in a sheet's key column with {@code spreadsheets.values.get},
 * to tell whether an earlier attempt of an append already wrote its row.
 *
 * <p>It reads the whole column ({@code Log!F:F}) as one column of unformatted values and scans
 * the answer as a stream, so that a long column is never held as a JSON tree.
 */
final class KeyLookup {

    /** The largest answer read: about 300,000 keys of 100 characters. */
    static final int MAX_BODY_BYTES = 32 << 20;

    /** The first row of the range an answer covers, such as {@code 1} in {@code Log!F1:F1000}. */
    private static final Pattern FIRST_ROW = Pattern.compile("[A-Za-z]{1,3}([0-9]{1,7}).*");

    private KeyLookup() {
    }

    /**
     * Finds the row holding a key in a column.
     *
     * @param parts the service's wiring
     * @param connection the connection to read as
     * @param spreadsheetId the spreadsheet
     * @param column the whole column, such as {@code Log!F:F}
     * @param key the idempotency key, as the action writes it
     * @param subject the append's subject, starting each error message
     * @return the row number (from 1) of the first cell holding the key, or empty
     * @throws ActionException classified as for the append: retryable for 429, 5xx, a
     *     rate-limited 403, a lost connection or an answer that cannot be read; permanent for
     *     other error answers and for a column too long to read
     */
    static OptionalInt findRow(AppendRowAction.Wiring parts, Connection connection,
            String spreadsheetId, String column, String key, String subject) {
        String readSubject = subject + ": looking up the idempotency key in '" + column + "'";
        URI uri = URI.create(parts.settings().apiUrl() + "/v4/spreadsheets/"
                + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                + A1Range.encodePathSegment(column)
                + "?majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(parts.settings().requestTimeout())
                .header("Accept", "application/json")
                .GET();

        ApiHttp.Response response = SheetsCall.send(parts, connection, request, MAX_BODY_BYTES,
                readSubject);
        try {
            return scan(parts, response.body(), key);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage()
                    : e.getMessage();
            throw ActionException.retryable(readSubject + ": Google's answer is not a "
                    + "ValueRange (" + GoogleError.clean(String.valueOf(why)) + ")", null, e);
        }
    }

    private static OptionalInt scan(AppendRowAction.Wiring parts, byte[] body, String key)
            throws IOException {
        try (JsonParser parser = parts.json().getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            int firstRow = 1;
            int index = -1;
            for (JsonToken field = parser.nextToken(); field != JsonToken.END_OBJECT;
                    field = parser.nextToken()) {
                if (field != JsonToken.FIELD_NAME) {
                    throw new IOException("the answer ends before its object does");
                }
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("range".equals(name) && value == JsonToken.VALUE_STRING) {
                    firstRow = firstRow(parser.getText());
                } else if ("values".equals(name)) {
                    if (value != JsonToken.START_ARRAY) {
                        throw new IOException("'values' is not an array");
                    }
                    index = indexOf(parser, key);
                } else {
                    parser.skipChildren();
                }
            }
            return index < 0 ? OptionalInt.empty() : OptionalInt.of(firstRow + index);
        }
    }

    /**
     * Reads {@code values}, an array of columns, from its start to its end, and returns the
     * index of the first cell of the first column that holds the key, or -1.
     */
    private static int indexOf(JsonParser parser, String key) throws IOException {
        String typed = "'" + key;
        int found = -1;
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
                if (found < 0 && firstColumn && cell == JsonToken.VALUE_STRING) {
                    String text = parser.getText();
                    found = text.equals(key) || text.equals(typed) ? row : -1;
                }
                row++;
            }
            firstColumn = false;
        }
        return found;
    }

    private static int firstRow(String range) {
        Matcher cells = FIRST_ROW.matcher(range.substring(range.lastIndexOf('!') + 1));
        return cells.matches() ? Integer.parseInt(cells.group(1)) : 1;
    }
}
