package dev.recipes.sheets;

import static dev.recipes.sheets.ActionFixture.JSON;
import static dev.recipes.sheets.ActionFixture.fail;
import static dev.recipes.sheets.ActionFixture.params;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class UpsertRowActionTest {

    private static final String KEYS = "{\"range\":\"Orders!A2:A4\",\"majorDimension\":"
            + "\"COLUMNS\",\"values\":[[\"A-1\",\"A-2\",42]]}";
    private static final String NO_KEYS = "{\"range\":\"Orders!A2:A1000\",\"majorDimension\":"
            + "\"COLUMNS\"}";

    private ActionFixture fixture;

    @BeforeEach
    void startStub() throws IOException {
        fixture = new ActionFixture("upsert-row");
    }

    @AfterEach
    void stopStub() {
        fixture.close();
    }

    @Test
    void keyFound_updatesThatRow_fromTheRangesFirstColumn() {
        Action action = fixture.start();
        fixture.google.answerApi(200, KEYS);
        fixture.google.answerApi(200, "{\"spreadsheetId\":\"1AbC\",\"updatedRange\":"
                + "\"Orders!A3:C3\",\"updatedRows\":1,\"updatedColumns\":3,\"updatedCells\":3}");

        JsonNode result = action.execute(fixture.first(upsert("Orders!A2:C", "A",
                "[\"A-2\",\"paid\",19.5]")));

        List<StubGoogleFixture.Received> requests = fixture.google.apiRequests();
        assertThat(requests).extracting(StubGoogleFixture.Received::method)
                .containsExactly("GET", "PUT");
        assertThat(requests.get(0).rawPath())
                .isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21A2%3AA");
        assertThat(requests.get(0).rawQuery())
                .isEqualTo("majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE");
        assertThat(requests.get(1).rawPath())
                .isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21A3%3AC3");
        assertThat(requests.get(1).body()).contains("\"values\":[[\"A-2\",\"paid\",19.5]]");
        assertThat(result.path("operation").asText()).isEqualTo("updated");
        assertThat(result.path("row").asInt()).isEqualTo(3);
        assertThat(result.path("updatedRange").asText()).isEqualTo("Orders!A3:C3");
    }

    @Test
    void numericKey_matchesByValue() {
        Action action = fixture.start();
        fixture.google.answerApi(200, KEYS);

        JsonNode result = action.execute(fixture.first(upsert("Orders!A2:B", "A",
                "[42.0,\"x\"]")));

        assertThat(fixture.google.apiRequests().get(1).rawPath())
                .isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21A4%3AB4");
        assertThat(result.path("row").asInt()).isEqualTo(4);
    }

    @Test
    void keyMissing_appendsAtTheRangesFirstCell() {
        Action action = fixture.start();
        fixture.google.answerApi(200, KEYS);

        JsonNode result = action.execute(fixture.first(upsert("Orders!B2:D", "C",
                "[\"x\",\"A-9\",\"=1\"]").put("valueInputOption", "USER_ENTERED")));

        List<StubGoogleFixture.Received> requests = fixture.google.apiRequests();
        assertThat(requests.get(0).rawPath())
                .isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21C2%3AC");
        assertThat(requests.get(1).method()).isEqualTo("POST");
        assertThat(requests.get(1).rawPath())
                .isEqualTo("/v4/spreadsheets/1AbC/values/Orders%21B2:append");
        assertThat(requests.get(1).rawQuery())
                .isEqualTo("valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS");
        assertThat(requests.get(1).body()).contains("\"values\":[[\"x\",\"A-9\",\"'=1\"]]");
        assertThat(result.path("operation").asText()).isEqualTo("appended");
    }

    @Test
    void concurrentUpsertsOfOneKey_runOneAtATime() throws Exception {
        Action action = fixture.start();
        // A first upsert fetches the token, so that both callers below go straight to the key.
        action.execute(fixture.first(upsert("Orders!A2:B", "A", "[\"A-0\",\"x\"]")));
        fixture.google.answerApi(200, NO_KEYS);
        fixture.google.answerApi(200, StubGoogleFixture.APPEND_OK);
        fixture.google.answerApi(200, "{\"range\":\"Orders!A2:A2\",\"values\":[[\"A-7\"]]}");
        CountDownLatch gate = fixture.google.holdApi();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task);
            threads.add(thread);
            return thread;
        });
        try {
            List<Future<JsonNode>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String row = "[\"A-7\",\"try " + i + "\"]";
                results.add(pool.submit(() -> action.execute(fixture.first(
                        upsert("Orders!A2:B", "A", row)))));
            }

            // Both callers wait: the first for Google's answer, the second for the key.
            DeadlineFixture.await(Duration.ofSeconds(10), () -> threads.size() == 2
                    && fixture.google.apiRequests().size() == 3
                    && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                    || t.getState() == Thread.State.TIMED_WAITING));
            assertThat(fixture.google.apiRequests()).hasSize(3);
            gate.countDown();

            List<String> operations = new ArrayList<>();
            for (Future<JsonNode> result : results) {
                operations.add(result.get(10, TimeUnit.SECONDS).path("operation").asText());
            }
            assertThat(operations).containsExactlyInAnyOrder("appended", "updated");
            assertThat(fixture.google.apiRequests()).extracting(
                    StubGoogleFixture.Received::method).containsExactly("GET", "POST", "GET",
                    "POST", "GET", "PUT");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void upsertsOfOtherKeys_doNotWaitForEachOther() throws Exception {
        Action action = fixture.start();
        CountDownLatch gate = fixture.google.holdApi();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<JsonNode> first = pool.submit(() -> action.execute(fixture.first(
                    upsert("Orders!A2:B", "A", "[\"A-1\",\"x\"]"))));
            Future<JsonNode> second = pool.submit(() -> action.execute(fixture.first(
                    upsert("Orders!A2:B", "A", "[\"A-2\",\"x\"]"))));

            DeadlineFixture.await(Duration.ofSeconds(10),
                    () -> fixture.google.apiRequests().size() == 2);
            gate.countDown();

            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
        } finally {
            gate.countDown();
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "A|[\"\",\"x\"]|the key, cell 0 of 'values' (column 'A'), must be non-empty text, a "
                + "number or a boolean; it is blank",
        "A|[null,\"x\"]|the key, cell 0 of 'values' (column 'A'), must be non-empty text, a "
                + "number or a boolean; it is null",
        "C|[\"A-1\",\"x\"]|parameter 'keyColumn': column 'C' is not one of the columns the row "
                + "fills, 'A' to 'B'",
        "|[\"A-1\",\"x\"]|parameter 'keyColumn' is missing",
        "A|[[\"A-1\"]]|parameter 'values' must be one row"})
    void badParameters_failPermanentlyBeforeCallingGoogle(String keyColumn, String valuesJson,
            String message) {
        Action action = fixture.start();

        ActionException failure = fail(action, fixture.first(upsert("Orders!A2:C", keyColumn,
                valuesJson)));

        assertThat(failure.retryable()).isFalse();
        assertThat(failure).hasMessageStartingWith("action 'google-sheets/upsert-row': ")
                .hasMessageContaining(message);
        assertThat(fixture.google.apiRequests()).isEmpty();
    }

    private static ObjectNode upsert(String range, String keyColumn, String valuesJson) {
        try {
            ObjectNode params = params(range);
            if (keyColumn != null) {
                params.put("keyColumn", keyColumn);
            }
            params.set("values", JSON.readTree(valuesJson));
            return params;
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
