package dev.recipes.testkit.recording;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.webhook.WebhookRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One webhook request as it arrived: method, path, query, headers and the exact body bytes,
 * with the time it was recorded. It is saved as one JSON file a person can read and diff:
 *
 * <pre>{@code
 * {
 *   "format" : "recipes-webhook-recording/1",
 *   "recordedAt" : "2026-05-01T12:00:00Z",
 *   "method" : "POST",
 *   "path" : "/hooks/github",
 *   "query" : "",
 *   "headers" : {
 *     "Content-type" : [ "application/json" ],
 *     "X-github-event" : [ "push" ],
 *     "X-hub-signature-256" : [ "sha256=..." ]
 *   },
 *   "bodyEncoding" : "utf-8",
 *   "body" : "{\"ref\":\"refs/heads/main\", ...}"
 * }
 * }</pre>
 *
 * <p>{@code headers} maps each name, sorted without regard to case, to its values in the order
 * they arrived. {@code bodyEncoding} is {@code utf-8} when the body is valid UTF-8, and
 * {@code body} is then the text itself; otherwise it is {@code base64} and {@code body} the
 * bytes in base64. Either way the bytes read back are exactly those recorded. {@code query} is
 * the raw query without {@code ?}; it and {@code recordedAt} may be left out.
 *
 * <p>Header names are matched without regard to case. The body is copied in and out.
 * {@link #toString()} shows neither headers nor body.
 *
 * @param recordedAt when the request arrived, or null if unknown
 * @param method the HTTP method, upper case
 * @param path the request path, without the query
 * @param query the raw query string without {@code ?}, or empty
 * @param headers the headers, each name with its values in order
 * @param body the raw body
 */
public record WebhookRecording(Instant recordedAt, String method, String path, String query,
        Map<String, List<String>> headers, byte[] body) {

    /** The value of {@code format} in files of this version. */
    public static final String FORMAT = "recipes-webhook-recording/1";

    /** What a masked header's value is replaced with. */
    public static final String MASK = "****";

    // Room for the largest body a recording server takes, written as base64.
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(64 << 20)
                            .build())
                    .build())
            .build();
    /** Two-space indents and {@code \n} line ends on every platform, for stable diffs. */
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n")));
    private static final Set<String> FIELDS = Set.of("format", "recordedAt", "method", "path",
            "query", "headers", "bodyEncoding", "body");
    private static final String UTF_8 = "utf-8";
    private static final String BASE64 = "base64";

    /**
     * Validates and copies.
     *
     * @param recordedAt when the request arrived, or null if unknown
     * @param method the HTTP method, upper case
     * @param path the request path, without the query
     * @param query the raw query string without {@code ?}, or empty
     * @param headers the headers, each name with its values in order
     * @param body the raw body
     */
    public WebhookRecording {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        if (method.isBlank()) {
            throw new IllegalArgumentException("webhook recording: method is blank");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("webhook recording: path '" + path
                    + "' does not start with '/'");
        }
        query = query == null ? "" : query;
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.computeIfAbsent(
                Objects.requireNonNull(name, "header name"), key -> new ArrayList<>())
                .addAll(Objects.requireNonNull(values, () -> "values of header " + name)));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(copy);
        body = body == null ? new byte[0] : body.clone();
    }

    /**
     * Records a request as it arrived.
     *
     * @param request the request
     * @param recordedAt when it arrived
     * @return the recording
     */
    public static WebhookRecording of(WebhookRequest request, Instant recordedAt) {
        Objects.requireNonNull(request, "request");
        return new WebhookRecording(Objects.requireNonNull(recordedAt, "recordedAt"),
                request.method(), request.path(), request.query(), request.headers(),
                request.body());
    }

    /**
     * Returns the request to hand to a webhook handler, exactly as recorded.
     *
     * @return the request
     */
    public WebhookRequest toWebhookRequest() {
        return new WebhookRequest(method, path, query, headers, body);
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the header name, in any case
     * @return the value, if the recording has the header
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(Objects.requireNonNull(name, "name"));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * Returns the raw body.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns the body decoded as UTF-8.
     *
     * @return the text
     */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Returns a copy whose headers of the given names have every value replaced with
     * {@value #MASK}, so that a credential in them cannot be used again.
     *
     * @param names header names, in any case
     * @return the masked copy
     */
    public WebhookRecording masked(Collection<String> names) {
        Set<String> masked = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        masked.addAll(Objects.requireNonNull(names, "names"));
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, masked.contains(name)
                ? Collections.nCopies(values.size(), MASK) : values));
        return new WebhookRecording(recordedAt, method, path, query, copy, body);
    }

    /**
     * Returns a copy with another body, for example with a credential in the payload scrubbed
     * before the recording is saved. A replay re-signs the new body.
     *
     * @param body the new body; copied
     * @return the copy
     */
    public WebhookRecording withBody(byte[] body) {
        return new WebhookRecording(recordedAt, method, path, query, headers,
                Objects.requireNonNull(body, "body"));
    }

    /**
     * Writes the recording in its file format: pretty-printed JSON, ending with a newline.
     *
     * @return the JSON text
     */
    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode().put("format", FORMAT);
        if (recordedAt != null) {
            root.put("recordedAt", recordedAt.toString());
        }
        root.put("method", method).put("path", path).put("query", query);
        ObjectNode headerNode = root.putObject("headers");
        headers.forEach((name, values) -> {
            ArrayNode array = headerNode.putArray(name);
            values.forEach(array::add);
        });
        Optional<String> text = utf8(body);
        root.put("bodyEncoding", text.isPresent() ? UTF_8 : BASE64)
                .put("body", text.orElseGet(() -> Base64.getEncoder().encodeToString(body)));
        try {
            return WRITER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("webhook recording: cannot be written as JSON", e);
        }
    }

    /**
     * Reads a recording from its file format.
     *
     * @param json the JSON text
     * @return the recording
     * @throws IllegalArgumentException if the text is not a recording of this format; the
     *     message names the field at fault
     */
    public static WebhookRecording fromJson(String json) {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("webhook recording: not JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        return parse(root);
    }

    /**
     * Writes the recording to a file, replacing it if it exists.
     *
     * @param file the file, such as {@code src/test/resources/recordings/github-push.json}
     * @throws UncheckedIOException if the file cannot be written
     */
    public void write(Path file) {
        try {
            Files.writeString(Objects.requireNonNull(file, "file"), toJson(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("webhook recording: cannot write " + file, e);
        }
    }

    /**
     * Reads a recording from a file.
     *
     * @param file the file
     * @return the recording
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a recording; the message names the file
     */
    public static WebhookRecording read(Path file) {
        Objects.requireNonNull(file, "file");
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("webhook recording: cannot read " + file, e);
        }
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a recording from a stream, such as a test resource, and closes it.
     *
     * @param in the stream, UTF-8 JSON
     * @return the recording
     * @throws UncheckedIOException if the stream cannot be read
     * @throws IllegalArgumentException if it is not a recording
     */
    public static WebhookRecording read(InputStream in) {
        Objects.requireNonNull(in, "in: a resource that was not found?");
        try (in) {
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("webhook recording: cannot read the stream", e);
        }
    }

    /**
     * Reads a recording from the class path.
     *
     * @param anchor a class whose loader finds the resource, such as the test class
     * @param name the resource name, absolute ({@code /recordings/push.json}) or relative to
     *     the anchor's package
     * @return the recording
     * @throws IllegalArgumentException if there is no such resource, or it is not a recording
     */
    public static WebhookRecording fromResource(Class<?> anchor, String name) {
        InputStream in = Objects.requireNonNull(anchor, "anchor")
                .getResourceAsStream(Objects.requireNonNull(name, "name"));
        if (in == null) {
            throw new IllegalArgumentException("webhook recording: no resource '" + name
                    + "' next to " + anchor.getName());
        }
        try {
            return read(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every {@code *.json} file of a directory, in the order of their names.
     *
     * @param directory the directory, such as one a {@link WebhookRecorder} wrote to
     * @return the recordings
     * @throws UncheckedIOException if the directory cannot be listed or a file read
     * @throws IllegalArgumentException if a file is not a recording; the message names it
     */
    public static List<WebhookRecording> readAll(Path directory) {
        Objects.requireNonNull(directory, "directory");
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".json"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .map(WebhookRecording::read)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("webhook recording: cannot list " + directory, e);
        }
    }

    private static WebhookRecording parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("webhook recording: not a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("webhook recording: unknown field '" + name
                        + "'; the fields are " + new TreeSet<>(FIELDS));
            }
        }
        String format = text(root, "format", true);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("webhook recording: format '" + format
                    + "' is not " + FORMAT);
        }
        return new WebhookRecording(instant(text(root, "recordedAt", false)),
                text(root, "method", true), text(root, "path", true), text(root, "query", false),
                headers(root.get("headers")), body(root));
    }

    private static Map<String, List<String>> headers(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("webhook recording: field 'headers' is missing or "
                    + "not an object of arrays of strings");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        node.properties().forEach(entry -> {
            JsonNode values = entry.getValue();
            List<String> list = new ArrayList<>();
            if (values.isArray()) {
                values.forEach(value -> list.add(value.isTextual() ? value.asText() : null));
            }
            if (!values.isArray() || list.contains(null)) {
                throw new IllegalArgumentException("webhook recording: header '"
                        + entry.getKey() + "' is not an array of strings");
            }
            if (headers.containsKey(entry.getKey())) {
                throw new IllegalArgumentException("webhook recording: header '"
                        + entry.getKey() + "' appears twice, in different case");
            }
            headers.put(entry.getKey(), list);
        });
        return headers;
    }

    private static byte[] body(JsonNode root) {
        String encoding = text(root, "bodyEncoding", true);
        String body = text(root, "body", true);
        if (UTF_8.equals(encoding)) {
            return body.getBytes(StandardCharsets.UTF_8);
        }
        if (!BASE64.equals(encoding)) {
            throw new IllegalArgumentException("webhook recording: bodyEncoding '" + encoding
                    + "' is neither " + UTF_8 + " nor " + BASE64);
        }
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook recording: body is not base64 ("
                    + e.getMessage() + ")", e);
        }
    }

    private static String text(JsonNode root, String field, boolean required) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new IllegalArgumentException("webhook recording: field '" + field
                        + "' is missing");
            }
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("webhook recording: field '" + field
                    + "' is not a string");
        }
        return node.asText();
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("webhook recording: recordedAt '" + text
                    + "' is not an ISO-8601 instant such as 2026-05-01T12:00:00Z", e);
        }
    }

    /** Decodes strictly: the text re-encodes to the same bytes, or there is no text. */
    private static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookRecording that
                && Objects.equals(recordedAt, that.recordedAt) && method.equals(that.method)
                && path.equals(that.path) && query.equals(that.query)
                && headers.equals(that.headers) && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(recordedAt, method, path, query, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "WebhookRecording[" + method + " " + path + ", " + body.length + " bytes"
                + (recordedAt == null ? "" : ", at " + recordedAt) + "]";
    }
}
