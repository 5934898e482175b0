package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.Action;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coalescing settings of {@code append-row}, how a batch is cut and shared out, and the
 * backoff of quota holds; the rest is tested end to end, over HTTP, in the testkit.
 */
final class AppendCoalescerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock = Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"),
            ZoneOffset.UTC);

    @Test
    void byDefault_eachRowGoesAlone_onTheEnginesUsualThreads() {
        Action action = start(Map.of());

        assertThat(action.concurrency()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"PT0.25S, 7, 7", "250, 500, 64", "PT10S, 1, 1", "0, 500, 1"})
    void delayAndMaxRows_setHowManyRowsOfARecipeCanWaitTogether(String delay, String maxRows,
            int concurrency) {
        Action action = start(Map.of("google-sheets.coalesce-delay", delay,
                "google-sheets.coalesce-max-rows", maxRows));

        assertThat(action.concurrency()).isEqualTo(concurrency);
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-PT1S", "PT10.001S", "", "-5"})
    void aDelayOutsideZeroToTenSeconds_isRefusedAtStart(String delay) {
        assertThatThrownBy(() -> start(Map.of("google-sheets.coalesce-delay", delay)))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'google-sheets.coalesce-delay': '" + delay + "' is not a "
                        + "duration from 0 to 10 seconds, such as 'PT0.25S' or '250' "
                        + "(milliseconds); 0 sends each row alone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "10001", "many", "1.5"})
    void maxRowsOutsideOneToTenThousand_isRefusedAtStart(String maxRows) {
        assertThatThrownBy(() -> start(Map.of("google-sheets.coalesce-max-rows", maxRows)))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'google-sheets.coalesce-max-rows': '" + maxRows + "' is "
                        + "not a number of rows from 1 to 10000, such as '500'");
    }

    @Test
    void theSettings_areKeysTheServiceReads() {
        assertThat(new GoogleSheetsService().configKeys())
                .contains("coalesce-delay", "coalesce-max-rows");
    }

    @Test
    void backoff_isGooglesTruncatedExponentialWithJitter() {
        for (int refusals = 1; refusals <= 6; refusals++) {
            Duration floor = Duration.ofSeconds(1L << (refusals - 1));
            int n = refusals;
            List<Duration> waits = IntStream.range(0, 50)
                    .mapToObj(i -> AppendCoalescer.backoff(n)).toList();

            assertThat(waits).allSatisfy(wait -> assertThat(wait)
                    .isBetween(floor, floor.plusSeconds(1)));
            assertThat(waits.stream().distinct().count()).isGreaterThan(1);
        }
        assertThat(IntStream.of(7, 8, 20, 100, Integer.MAX_VALUE)
                .mapToObj(AppendCoalescer::backoff)).containsOnly(Duration.ofSeconds(64));
    }

    @Test
    void rowsSentTogether_eachGetTheirOwnRowOfGooglesAnswer() throws Exception {
        AppendCoalescer coalescer = new AppendCoalescer(Duration.ofSeconds(10), 3, clock);
        List<Integer> sent = new CopyOnWriteArrayList<>();
        ObjectNode answer = JSON.createObjectNode().put("spreadsheetId", "1AbC")
                .put("updatedRange", "'My Log'!A10:C12").put("updatedRows", 3);

        List<JsonNode> results = appendAll(coalescer, 3, 2, rows -> {
            sent.add(rows.size());
            return answer;
        });

        assertThat(sent).containsExactly(3);
        assertThat(results).extracting(result -> result.path("updatedRange").asText())
                .containsExactlyInAnyOrder("'My Log'!A10:B10", "'My Log'!A11:B11",
                        "'My Log'!A12:B12");
        assertThat(results).allSatisfy(result -> {
            assertThat(result.path("spreadsheetId").asText()).isEqualTo("1AbC");
            assertThat(result.path("updatedRows").asInt()).isEqualTo(1);
            assertThat(result.path("updatedCells").asInt()).isEqualTo(2);
        });
    }

    @Test
    void aBatch_staysUnderGooglesRecommendedTwoMegabytes() throws Exception {
        AppendCoalescer coalescer = new AppendCoalescer(Duration.ofSeconds(1), 500, clock);
        List<Integer> sent = new CopyOnWriteArrayList<>();

        appendAll(coalescer, 3, 900_000, rows -> {
            sent.add(rows.size());
            return JSON.createObjectNode();
        });

        assertThat(sent).allSatisfy(size -> assertThat(size).isBetween(1, 2));
        assertThat(sent.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
    }

    /** Appends rows of one cell of the given length from as many threads at once. */
    private static List<JsonNode> appendAll(AppendCoalescer coalescer, int rows, int cellChars,
            Function<List<ArrayNode>, JsonNode> send) throws Exception {
        AppendCoalescer.Target target = new AppendCoalescer.Target("default", "1AbC",
                "'My Log'!A:C", ValueInputOption.RAW, null);
        ExecutorService pool = Executors.newFixedThreadPool(rows);
        try {
            List<Future<JsonNode>> results = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                ArrayNode row = JSON.createArrayNode().add("x".repeat(cellChars));
                if (cellChars < 100) {
                    row.add(i);
                }
                results.add(pool.submit(() -> coalescer.append(target, row, "test", send)));
            }
            List<JsonNode> done = new ArrayList<>();
            for (Future<JsonNode> result : results) {
                done.add(result.get(30, TimeUnit.SECONDS));
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private Action start(Map<String, String> config) {
        GoogleSheetsService service = new GoogleSheetsService();
        service.start(new ContextFixture(clock, config));
        return service.actions().stream()
                .filter(action -> action.name().equals(AppendRowAction.NAME))
                .findFirst().orElseThrow();
    }
}
