package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recipe engine running the Google Sheets service against a fake Sheets server, with a clock
 * both share, collecting the action results and recipe failures it publishes.
 */
final class SheetsEngineFixture implements AutoCloseable {

    static final String SUCCEEDED = "result.google-sheets.append-row.succeeded";
    static final String FAILED = "result.google-sheets.append-row.failed";
    static final Instant START = Instant.parse("2024-05-01T12:00:00Z");

    private static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = new MutableClock(START);
    final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    final List<Event> succeeded = new CopyOnWriteArrayList<>();
    final List<Event> failed = new CopyOnWriteArrayList<>();
    final List<Event> recipeFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger events = new AtomicInteger();
    private RecipeEngine engine;

    SheetsEngineFixture start(Recipe recipe, Connection connection) {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new GoogleSheetsService())
                .clock(clock)
                // One attempt each: these tests look at how a single failure is classified.
                .retryPolicy(RetryPolicy.none())
                .config("google-sheets.api-url", fake.apiUrl())
                .config("google-sheets.token-url", fake.tokenUrl())
                .recipe(recipe)
                .build();
        engine.connections().put(connection);
        engine.bus().subscribe(SUCCEEDED, "test", succeeded::add);
        engine.bus().subscribe(FAILED, "test", failed::add);
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", recipeFailures::add);
        engine.start();
        return this;
    }

    /** Publishes a {@code test.order} event with the given data and waits until all is done. */
    void order(String json) throws Exception {
        engine.publish(Event.builder("test.order")
                .id("order-" + events.incrementAndGet())
                .time(clock.instant())
                .data(JSON.readTree(json))
                .build());
        if (!engine.awaitIdle(Duration.ofSeconds(20))) {
            throw new AssertionError("engine did not become idle within 20 s");
        }
    }

    JsonNode lastError() {
        return failed.get(failed.size() - 1).data().path("error");
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        fake.close();
    }
}
