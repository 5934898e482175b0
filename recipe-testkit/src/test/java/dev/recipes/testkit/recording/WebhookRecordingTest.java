package dev.recipes.testkit.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.webhook.WebhookRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recording file format: exact bytes, readable text, clear errors. */
final class WebhookRecordingTest {

    private static final Instant AT = Instant.parse("2026-05-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void toJson_writesTheDocumentedFormat() {
        WebhookRecording recording = new WebhookRecording(AT, "POST", "/hooks/x", "a=1",
                Map.of("X-B", List.of("2", "3"), "Content-Type", List.of("application/json")),
                "{\"k\":\"v\u00e9\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(recording.toJson()).isEqualTo("""
                {
                  "format" : "recipes-webhook-recording/1",
                  "recordedAt" : "2026-05-01T12:00:00Z",
                  "method" : "POST",
                  "path" : "/hooks/x",
                  "query" : "a=1",
                  "headers" : {
                    "Content-Type" : [ "application/json" ],
                    "X-B" : [ "2", "3" ]
                  },
                  "bodyEncoding" : "utf-8",
                  "body" : "{\\"k\\":\\"v\u00e9\\"}"
                }
                """);
    }

    @Test
    void utf8Body_roundTripsByteForByte() {
        byte[] body = "line one\r\nline two\t\u0000 \uFEFF \uD83D\uDE00 end "
                .getBytes(StandardCharsets.UTF_8);
        WebhookRecording recording = recording(body);

        WebhookRecording read = WebhookRecording.fromJson(recording.toJson());

        assertThat(recording.toJson()).contains("\"bodyEncoding\" : \"utf-8\"");
        assertThat(read.body()).isEqualTo(body);
        assertThat(read).isEqualTo(recording);
    }

    @Test
    void bodyThatIsNotUtf8_isSavedAsBase64AndRoundTrips() {
        byte[] body = {(byte) 0xff, (byte) 0xfe, 'a', (byte) 0xc3, (byte) 0x28, (byte) 0xed,
                (byte) 0xa0, (byte) 0x80};
        WebhookRecording recording = recording(body);

        String json = recording.toJson();

        assertThat(json).contains("\"bodyEncoding\" : \"base64\"");
        assertThat(WebhookRecording.fromJson(json).body()).isEqualTo(body);
    }

    @Test
    void theLargestBodyARecordingServerTakes_roundTrips() {
        byte[] body = new byte[RecordingServer.MAX_BODY_BYTES];
        new java.util.Random(7).nextBytes(body);

        WebhookRecording read = WebhookRecording.fromJson(recording(body).toJson());

        assertThat(read.body()).isEqualTo(body);
    }

    @Test
    void emptyBodyAndMissingOptionalFields_areRead() {
        WebhookRecording read = WebhookRecording.fromJson("""
                {"format": "recipes-webhook-recording/1", "method": "GET", "path": "/x",
                 "headers": {}, "bodyEncoding": "utf-8", "body": ""}""");

        assertThat(read.recordedAt()).isNull();
        assertThat(read.query()).isEmpty();
        assertThat(read.body()).isEmpty();
        assertThat(WebhookRecording.fromJson(read.toJson())).isEqualTo(read);
    }

    @Test
    void toWebhookRequest_carriesEverythingRecorded() {
        WebhookRecording recording = new WebhookRecording(AT, "POST", "/hooks/x", "q=1",
                Map.of("X-A", List.of("1", "2")), new byte[]{9});

        WebhookRequest request = recording.toWebhookRequest();

        assertThat(request).isEqualTo(new WebhookRequest("POST", "/hooks/x", "q=1",
                Map.of("x-a", List.of("1", "2")), new byte[]{9}));
        assertThat(WebhookRecording.of(request, AT)).isEqualTo(recording);
    }

    @Test
    void masked_replacesEveryValueOfTheNamedHeaders() {
        WebhookRecording recording = new WebhookRecording(AT, "POST", "/x", "",
                Map.of("authorization", List.of("Bearer xoxb-1"), "Cookie", List.of("a=1", "b=2"),
                        "X-Kept", List.of("kept")), new byte[0]);

        WebhookRecording masked = recording.masked(List.of("Authorization", "COOKIE"));

        assertThat(masked.headers()).containsEntry("authorization", List.of("****"))
                .containsEntry("Cookie", List.of("****", "****"))
                .containsEntry("X-Kept", List.of("kept"));
        assertThat(masked.toJson()).doesNotContain("xoxb-1").doesNotContain("a=1");
    }

    @Test
    void writeAndRead_useTheFile() {
        WebhookRecording recording = recording("{}".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("one.json");

        recording.write(file);

        assertThat(WebhookRecording.read(file)).isEqualTo(recording);
        assertThat(WebhookRecording.read(new ByteArrayInputStream(
                recording.toJson().getBytes(StandardCharsets.UTF_8)))).isEqualTo(recording);
    }

    @Test
    void readAll_readsTheJsonFilesInNameOrder() throws Exception {
        recording(new byte[]{2}).write(dir.resolve("0002-b.json"));
        recording(new byte[]{1}).write(dir.resolve("0001-a.json"));
        Files.writeString(dir.resolve("notes.txt"), "not a recording");

        List<WebhookRecording> all = WebhookRecording.readAll(dir);

        assertThat(all).extracting(r -> r.body()[0]).containsExactly((byte) 1, (byte) 2);
    }

    @Test
    void fromResource_readsASampleAndNamesAMissingOne() {
        WebhookRecording push = WebhookRecording.fromResource(WebhookRecordingTest.class,
                "github-push.json");

        assertThat(push.header("x-github-event")).contains("push");
        assertThatThrownBy(() -> WebhookRecording.fromResource(WebhookRecordingTest.class,
                "missing.json"))
                .hasMessage("webhook recording: no resource 'missing.json' next to "
                        + WebhookRecordingTest.class.getName());
    }

    @Test
    void badFiles_areRefusedNamingTheFault() {
        assertRefused("not json", "webhook recording: not JSON");
        assertRefused("[]", "webhook recording: not a JSON object");
        assertRefused(valid().replace("recipes-webhook-recording/1", "other/2"),
                "webhook recording: format 'other/2' is not recipes-webhook-recording/1");
        assertRefused(valid().replace("\"method\"", "\"verb\""),
                "webhook recording: unknown field 'verb'");
        assertRefused(valid().replace("\"method\": \"POST\",", ""),
                "webhook recording: field 'method' is missing");
        assertRefused(valid().replace("\"utf-8\"", "\"latin-1\""),
                "webhook recording: bodyEncoding 'latin-1' is neither utf-8 nor base64");
        assertRefused(valid().replace("\"utf-8\", \"body\": \"{}\"",
                "\"base64\", \"body\": \"!!\""), "webhook recording: body is not base64");
        assertRefused(valid().replace("[\"a\"]", "\"a\""),
                "webhook recording: header 'X-A' is not an array of strings");
        assertRefused(valid().replace("[\"a\"]", "[\"a\"], \"x-a\": [\"b\"]"),
                "webhook recording: header 'x-a' appears twice, in different case");
        assertRefused(valid().replace("\"/x\"", "\"x\""),
                "webhook recording: path 'x' does not start with '/'");
        assertRefused(valid().replace("\"/x\"", "7"), "webhook recording: field 'path' is not "
                + "a string");
        assertRefused(valid().replace("\"method\"", "\"recordedAt\": \"yesterday\", \"method\""),
                "webhook recording: recordedAt 'yesterday' is not an ISO-8601 instant");
    }

    @Test
    void badRecordings_areRefusedWhenMade() {
        assertThatThrownBy(() -> new WebhookRecording(AT, " ", "/x", "", Map.of(), null))
                .hasMessage("webhook recording: method is blank");
        assertThatThrownBy(() -> new WebhookRecording(AT, "POST", "x", "", Map.of(), null))
                .hasMessage("webhook recording: path 'x' does not start with '/'");
    }

    @Test
    void read_namesTheFileItCouldNotParse() throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{}");

        assertThatThrownBy(() -> WebhookRecording.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ": webhook recording: field 'format' is missing");
    }

    @Test
    void toString_showsNeitherHeadersNorBody() {
        WebhookRecording recording = new WebhookRecording(AT, "POST", "/x", "",
                Map.of("X-Hub-Signature-256", List.of("sha256=abc")),
                "secret-ish".getBytes(StandardCharsets.UTF_8));

        assertThat(recording.toString()).isEqualTo(
                "WebhookRecording[POST /x, 10 bytes, at 2026-05-01T12:00:00Z]");
    }

    private static WebhookRecording recording(byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        return new WebhookRecording(AT, "POST", "/hooks/x", "", headers, body);
    }

    private static String valid() {
        return "{\"format\": \"recipes-webhook-recording/1\", \"method\": \"POST\", "
                + "\"path\": \"/x\", \"headers\": {\"X-A\": [\"a\"]}, \"bodyEncoding\": "
                + "\"utf-8\", \"body\": \"{}\"}";
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> WebhookRecording.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
