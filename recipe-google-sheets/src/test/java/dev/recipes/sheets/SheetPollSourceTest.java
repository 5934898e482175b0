package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.recipes.core.Connection;
import dev.recipes.core.polling.PollException;
import dev.recipes.core.polling.PollRequest;
import dev.recipes.core.polling.PollResult;
import dev.recipes.core.polling.PolledItem;
import dev.recipes.core.polling.PollingTrigger;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Sheets poll source against a stub of Google on loopback: the request it sends, the keys
 * it gives rows, and how it fails on error answers and on answers that are not a ValueRange.
 */
final class SheetPollSourceTest {

    private static final KeyFixture KEY = KeyFixture.generate();

    private StubGoogleFixture google;
    private Connection connection;
    private GoogleSheetsService service;

    @BeforeEach
    void start() throws Exception {
        google = new StubGoogleFixture();
        connection = GoogleSheets.serviceAccountJson("default", KEY.keyJson(google.tokenUrl()));
        service = new GoogleSheetsService();
        service.start(new ContextFixture(new MutableClockFixture(
                Instant.parse("2024-05-01T12:00:00Z")),
                Map.of("google-sheets.api-url", google.apiUrl())));
    }

    @AfterEach
    void stop() {
        google.close();
    }

    private PollResult poll(PollingTrigger trigger) {
        return service.pollSource().orElseThrow().poll(new PollRequest(trigger,
                Optional.of(connection), Optional.empty()));
    }

    private PollException failure(PollingTrigger trigger) {
        return catchThrowableOfType(PollException.class, () -> poll(trigger));
    }

    @Test
    void readsTheRangeUnformattedByRows() {
        google.answerApi(200, "{\"range\":\"Orders!A1:B1000\",\"majorDimension\":\"ROWS\"}");

        PollResult result = poll(GoogleSheets.newRow("1AbC", "Orders!A:B"));

        assertThat(result.items()).isEmpty();
        assertThat(result.cursor()).isNull();
        StubGoogleFixture.Received read = google.apiRequests().get(0);
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.rawPath()).isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21A%3AB");
        assertThat(read.rawQuery())
                .isEqualTo("majorDimension=ROWS&valueRenderOption=UNFORMATTED_VALUE");
        assertThat(read.header("Authorization")).startsWith("Bearer ya29.stub-");
    }

    @Test
    void rowsByContent_countRepeatsAndSkipEmptyRows() {
        google.answerApi(200, "{\"range\":\"Orders!A2:B6\",\"values\":[[\"o-1\",10],[],"
                + "[\"\",\"\"],[\"o-1\",10],[\"o-2\",true]]}");

        PollResult result = poll(GoogleSheets.newRow("1AbC", "Orders!A2:B"));

        assertThat(result.items()).extracting(item -> item.data().get("row").asInt())
                .containsExactly(2, 5, 6);
        assertThat(result.items()).extracting(PolledItem::key)
                .allMatch(key -> key.matches("c:[0-9a-f]{32}#[0-9]+"));
        assertThat(result.items().get(0).key()).endsWith("#1");
        assertThat(result.items().get(1).key()).isEqualTo(result.items().get(0).key()
                .replace("#1", "#2"));
        assertThat(result.items().get(2).data().get("values").toString())
                .isEqualTo("[\"o-2\",true]");
    }

    @Test
    void rowsByKeyColumn_skipEmptyKeysAndHashLongOnes() {
        String longKey = "x".repeat(201);
        google.answerApi(200, "{\"range\":\"Orders!B1:C4\",\"values\":[[1,\" o-1 \"],"
                + "[2],[3,\"" + longKey + "\"],[4,42]]}");

        PollResult result = poll(GoogleSheets.newRow("1AbC", "Orders!B:C", "C"));

        assertThat(result.items()).extracting(PolledItem::key).containsExactly("k:o-1",
                "k:h:" + result.items().get(1).key().substring(4), "k:42");
        assertThat(result.items().get(1).key()).matches("k:h:[0-9a-f]{32}");
        assertThat(result.items().get(0).subject()).isEqualTo("o-1");
        assertThat(result.items().get(2).data().get("key").asText()).isEqualTo("42");
    }

    @Test
    void changedRows_keyByKeyAndContent() {
        google.answerApi(200, "{\"range\":\"Orders!A1:B1\",\"values\":[[\"o-1\",10]]}");
        google.answerApi(200, "{\"range\":\"Orders!A1:B1\",\"values\":[[\"o-1\",11]]}");
        PollingTrigger trigger = GoogleSheets.rowChanged("1AbC", "Orders!A:B", "A");

        String before = poll(trigger).items().get(0).key();
        String after = poll(trigger).items().get(0).key();

        assertThat(before).startsWith("k:o-1@").isNotEqualTo(after);
        assertThat(after).startsWith("k:o-1@");
    }

    @Test
    void answerThatIsNotAValueRange_failsThePoll() {
        google.answerApi(200, "[1,2]");
        google.answerApi(200, "{\"values\":{\"a\":1}}");
        google.answerApi(200, "not json");
        PollingTrigger trigger = GoogleSheets.newRow("1AbC", "Orders!A:B");

        for (int i = 0; i < 3; i++) {
            assertThat(failure(trigger)).hasMessage("google-sheets new-row trigger on "
                    + "'Orders!A:B': Google's answer is not a ValueRange");
        }
    }

    @Test
    void rateLimitedRead_failsWithGooglesDelay() {
        google.answerApi(429, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\","
                + "\"status\":\"RESOURCE_EXHAUSTED\"}}", Map.of("Retry-After", "30"));

        PollException failure = failure(GoogleSheets.newRow("1AbC", "Orders!A:B"));

        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(30));
        assertThat(failure).hasMessageContaining("Google answered 429");
    }

    @Test
    void missingConnection_failsWithItsName() {
        PollingTrigger trigger = GoogleSheets.newRow("1AbC", "Orders!A:B").as("finance");

        PollException failure = catchThrowableOfType(PollException.class, () -> service
                .pollSource().orElseThrow().poll(new PollRequest(trigger, Optional.empty(),
                        Optional.empty())));

        assertThat(failure).hasMessageContaining("connection 'google-sheets/finance' is not "
                + "in the connection store");
        assertThat(google.apiRequests()).isEmpty();
    }
}
