package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spreadsheets.values} calls of the Sheets actions: {@code append}, {@code update}
 * and {@code get}, the last read as a stream so that a long answer is never held as a tree.
 *
 * @param parts the service's wiring
 * @param connection the connection to act as
 * @param spreadsheetId the spreadsheet
 * @param subject what is being done, starting each error message
 */
record ValuesApi(AppendRowAction.Wiring parts, Connection connection, String spreadsheetId,
        String subject) {

    /** The largest {@code values.get} answer read, as for the key-column check. */
    static final int MAX_READ_BYTES = KeyLookup.MAX_BODY_BYTES;

    private static final Logger LOG = LoggerFactory.getLogger(ValuesApi.class);
    private static final Pattern FIRST_ROW = Pattern.compile("[A-Za-z]{0,3}([0-9]{1,7}).*");

    /**
     * Reads the JSON value the parser is on (a cell, or a whole line) as a tree, leaving the
     * parser on its last token. The engine's mapper refuses trailing tokens, which a value in
     * the middle of an answer always has, so the check is turned off here.
     *
     * @param parser positioned on the value's first token
     * @return the value
     * @throws IOException if it cannot be read
     */
    JsonNode readValue(JsonParser parser) throws IOException {
        JsonNode value = parts.json().reader()
                .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(parser);
        return value == null ? NullNode.getInstance() : value;
    }

    /** Receives the values of a {@code values.get} answer, one line at a time. */
    interface LineVisitor {

        /**
         * Takes one line: a row, or a column with {@code majorDimension=COLUMNS}.
         *
         * @param index the line's index in the answer, from 0
         * @param parser positioned on the line's {@code START_ARRAY}; the visitor reads or
         *     skips the whole line
         * @throws IOException if the line cannot be read
         */
        void line(int index, JsonParser parser) throws IOException;
    }

    /**
     * Appends rows with {@code insertDataOption=INSERT_ROWS}.
     *
     * @param range the range sent, also in the body
     * @param option how Sheets reads the values
     * @param rows the rows
     * @return Google's {@code updates}, or an empty object when the answer has none
     */
    ObjectNode append(String range, ValueInputOption option, ArrayNode rows) {
        URI uri = URI.create(base(range) + ":append?valueInputOption=" + option
                + "&insertDataOption=INSERT_ROWS");
        ApiHttp.Response response = SheetsCall.send(parts, connection,
                write(uri).POST(body(range, rows)), ApiHttp.MAX_BODY_BYTES,
                subject);
        JsonNode updates = answer(response).path("updates");
        return updates.isObject() ? (ObjectNode) updates : parts.json().createObjectNode();
    }

    /**
     * Writes rows over a range with {@code values.update}.
     *
     * @param range the range, starting at the first cell written
     * @param option how Sheets reads the values
     * @param rows the rows
     * @return Google's {@code UpdateValuesResponse}
     */
    ObjectNode update(String range, ValueInputOption option, ArrayNode rows) {
        URI uri = URI.create(base(range) + "?valueInputOption=" + option);
        ApiHttp.Response response = SheetsCall.send(parts, connection,
                write(uri).PUT(body(range, rows)), ApiHttp.MAX_BODY_BYTES,
                subject);
        return answer(response);
    }

    /**
     * Reads a range's unformatted values and hands each line to a visitor.
     *
     * @param range the range
     * @param byColumns {@code true} for {@code majorDimension=COLUMNS}
     * @param readSubject what is read, starting each error message
     * @param visitor takes the lines
     * @return the row (or column index, by columns) the answer's first line is, from 1
     * @throws ActionException classified as for writes; retryable for an answer that is not
     *     a {@code ValueRange}, permanent for one larger than {@link #MAX_READ_BYTES}
     */
    int read(String range, boolean byColumns, String readSubject, LineVisitor visitor) {
        URI uri = URI.create(base(range) + "?majorDimension=" + (byColumns ? "COLUMNS" : "ROWS")
                + "&valueRenderOption=UNFORMATTED_VALUE");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(parts.settings().requestTimeout())
                .header("Accept", "application/json")
                .GET();
        ApiHttp.Response response = SheetsCall.send(parts, connection, request,
                MAX_READ_BYTES, readSubject);
        try (JsonParser parser = parts.json().getFactory().createParser(response.body())) {
            return scan(parser, visitor);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException json ? json.getOriginalMessage()
                    : e.getMessage();
            throw ActionException.retryable(readSubject + ": Google's answer is not a "
                    + "ValueRange (" + GoogleError.clean(String.valueOf(why)) + ")", null, e);
        }
    }

    private static int scan(JsonParser parser, LineVisitor visitor) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("not a JSON object");
        }
        int firstRow = 1;
        for (JsonToken field = parser.nextToken(); field != JsonToken.END_OBJECT;
                field = parser.nextToken()) {
            if (field != JsonToken.FIELD_NAME) {
                throw new IOException("the answer ends before its object does");
            }
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("range".equals(name) && value == JsonToken.VALUE_STRING) {
                Matcher cells = FIRST_ROW.matcher(parser.getText().substring(
                        parser.getText().lastIndexOf('!') + 1));
                firstRow = cells.matches() ? Integer.parseInt(cells.group(1)) : 1;
            } else if ("values".equals(name)) {
                lines(parser, value, visitor);
            } else {
                parser.skipChildren();
            }
        }
        return firstRow;
    }

    private static void lines(JsonParser parser, JsonToken start, LineVisitor visitor)
            throws IOException {
        if (start != JsonToken.START_ARRAY) {
            throw new IOException("'values' is not an array");
        }
        int index = 0;
        for (JsonToken line = parser.nextToken(); line != JsonToken.END_ARRAY;
                line = parser.nextToken()) {
            if (line != JsonToken.START_ARRAY) {
                throw new IOException(line == null ? "the answer ends inside 'values'"
                        : "'values' holds " + line + " where a line belongs");
            }
            visitor.line(index++, parser);
            // Reading a line as a tree leaves its end token cleared rather than current.
            JsonToken end = parser.currentToken() != null ? parser.currentToken()
                    : parser.getLastClearedToken();
            if (end != JsonToken.END_ARRAY) {
                throw new IOException("a line of 'values' was not read to its end");
            }
        }
    }

    private String base(String range) {
        return parts.settings().apiUrl() + "/v4/spreadsheets/"
                + A1Range.encodePathSegment(spreadsheetId) + "/values/"
                + A1Range.encodePathSegment(range);
    }

    private HttpRequest.Builder write(URI uri) {
        return HttpRequest.newBuilder(uri)
                .timeout(parts.settings().requestTimeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "application/json");
    }

    private HttpRequest.BodyPublisher body(String range, ArrayNode rows) {
        ObjectNode body = parts.json().createObjectNode();
        body.put("range", range);
        body.put("majorDimension", "ROWS");
        body.set("values", rows);
        try {
            // Plain decimals: 0.00000001 stays as written, not 1.0E-8.
            return HttpRequest.BodyPublishers.ofByteArray(parts.json().writer()
                    .with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw ActionException.permanent(subject + ": the rows cannot be written as JSON",
                    e);
        }
    }

    private ObjectNode answer(ApiHttp.Response response) {
        try {
            JsonNode answer = parts.json().readTree(response.body());
            if (answer != null && answer.isObject()) {
                return (ObjectNode) answer;
            }
        } catch (IOException e) {
            // reported below
        }
        // The write was done; failing now would invite a retry that may write again.
        LOG.warn("{}: Google's answer is not a JSON object; the write probably happened",
                subject);
        return parts.json().createObjectNode();
    }
}
