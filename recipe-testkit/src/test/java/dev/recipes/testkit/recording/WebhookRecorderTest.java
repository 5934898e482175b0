package dev.recipes.testkit.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records requests in front of a handler, in memory and to files. */
final class WebhookRecorderTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"),
            ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final List<WebhookRequest> handed = new CopyOnWriteArrayList<>();
    private final WebhookHandler behind = request -> {
        handed.add(request);
        return WebhookResponse.text(202, "behind");
    };

    @Test
    void wrap_recordsThenHandsTheRequestOnAsItArrived() {
        WebhookRecorder recorder = WebhookRecorder.builder().clock(CLOCK).build();
        WebhookRequest request = post("/hooks/github", Map.of("Authorization", "Bearer s3cr3t",
                "X-GitHub-Event", "push"), "{\"ref\":\"x\"}");

        WebhookResponse response = recorder.wrap(behind).handle(request);

        assertThat(response.status()).isEqualTo(202);
        assertThat(handed).singleElement().satisfies(arrived ->
                assertThat(arrived.header("Authorization")).contains("Bearer s3cr3t"));
        assertThat(recorder.recordings()).singleElement().satisfies(recording -> {
            assertThat(recording.recordedAt()).isEqualTo(CLOCK.instant());
            assertThat(recording.header("Authorization")).contains(WebhookRecording.MASK);
            assertThat(recording.header("X-GitHub-Event")).contains("push");
            assertThat(recording.bodyText()).isEqualTo("{\"ref\":\"x\"}");
        });
    }

    @Test
    void toDirectory_writesOneNumberedFilePerRequest() throws Exception {
        WebhookRecorder recorder = WebhookRecorder.toDirectory(dir.resolve("made/on/demand"));
        WebhookHandler recording = recorder.recordOnly();

        recording.handle(post("/hooks/github", Map.of(), "one"));
        recording.handle(post("/hooks/webhook/billing/", Map.of(), "two"));
        recording.handle(post("/", Map.of(), "three"));

        assertThat(recorder.files()).extracting(file -> file.getFileName().toString())
                .containsExactly("0001-github.json", "0002-billing.json", "0003-request.json");
        assertThat(Files.readString(recorder.files().get(0), StandardCharsets.UTF_8))
                .isEqualTo(recorder.recordings().get(0).toJson());
        assertThat(WebhookRecording.readAll(dir.resolve("made/on/demand")))
                .isEqualTo(recorder.recordings());
    }

    @Test
    void aSecondRun_numbersOnFromTheFilesThere() {
        WebhookRecorder.toDirectory(dir).record(post("/hooks/slack", Map.of(), "a"));
        WebhookRecorder.toDirectory(dir).record(post("/hooks/slack", Map.of(), "b"));

        assertThat(WebhookRecording.readAll(dir)).extracting(WebhookRecording::bodyText)
                .containsExactly("a", "b");
        assertThat(dir.resolve("0002-slack.json")).exists();
    }

    @Test
    void maskHeader_masksMoreHeaders() {
        WebhookRecorder recorder = WebhookRecorder.builder().maskHeader("X-Api-Key").build();

        WebhookRecording recording = recorder.record(post("/x", Map.of("x-api-key", "k-123",
                "Cookie", "session=abc", "Proxy-Authorization", "Basic eA=="), ""));

        assertThat(recording.headers().values()).allSatisfy(values ->
                assertThat(values).containsOnly(WebhookRecording.MASK));
    }

    @Test
    void directoryThatCannotBeMade_isRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");

        assertThatThrownBy(() -> WebhookRecorder.toDirectory(file))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("webhook recorder: cannot make");
    }

    @Test
    void fileThatCannotBeWritten_failsTheRequestAndKeepsNothing() throws Exception {
        Path gone = dir.resolve("gone");
        WebhookRecorder recorder = WebhookRecorder.toDirectory(gone);
        Files.delete(gone);

        assertThatThrownBy(() -> recorder.wrap(behind).handle(post("/hooks/x", Map.of(), "")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("webhook recorder: cannot write");
        assertThat(recorder.recordings()).isEmpty();
        assertThat(handed).isEmpty();
    }

    @Test
    void builderSettingsSetTwice_areRefused() {
        assertThatThrownBy(() -> WebhookRecorder.builder().directory(dir).directory(dir))
                .hasMessageStartingWith("webhook recorder: directory already set to");
        assertThatThrownBy(() -> WebhookRecorder.builder().clock(CLOCK).clock(CLOCK))
                .hasMessageStartingWith("webhook recorder: clock already set");
        assertThatThrownBy(() -> WebhookRecorder.builder().maskHeader("bad name"))
                .hasMessageContaining("is not an HTTP token");
    }

    private static WebhookRequest post(String path, Map<String, String> headers, String body) {
        return WebhookRequest.post(path, headers, body.getBytes(StandardCharsets.UTF_8));
    }
}
