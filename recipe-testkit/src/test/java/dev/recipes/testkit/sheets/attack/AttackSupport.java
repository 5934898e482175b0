package dev.recipes.testkit.sheets.attack;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.RecordedRequest;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared helpers of the attack tests: publishing orders and reading what came back. */
final class AttackSupport {

    static final String SHEET = "1AtTaCk";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final AtomicInteger ids = new AtomicInteger();
    private final List<Event> results = new CopyOnWriteArrayList<>();
    private boolean watching;

    /** Only the Sheets service, as a user whose recipes need no other. */
    static void sheetsOnly(TestEngine engine) {
        engine.customize(builder -> builder.discoverServices(false)
                .service(new GoogleSheetsService()));
    }

    static Recipe recipe(String id, ActionStep step) {
        return Recipe.named(id).when(Trigger.of("test.order")).then(step).build();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes an order without waiting. */
    Event publishQuietly(TestEngine engine, JsonNode data) {
        watch(engine);
        Event event = Event.builder("test.order").id("order-" + ids.incrementAndGet())
                .time(engine.clock().instant()).data(data).build();
        engine.publish(event);
        return event;
    }

    /** Publishes an order and waits until all it caused has settled. */
    Event publish(TestEngine engine, String json) {
        Event event = publishQuietly(engine, json(json));
        engine.awaitIdle();
        return event;
    }

    private void watch(TestEngine engine) {
        if (!watching) {
            watching = true;
            for (String action : List.of("append-row", "append-rows", "update-range",
                    "lookup-rows", "upsert-row")) {
                engine.engine().bus().subscribe("result.google-sheets." + action
                        + ".succeeded", "attack-test", results::add);
            }
        }
    }

    /** The results of an action's successes, oldest first. */
    List<JsonNode> results(String action) {
        List<JsonNode> found = new ArrayList<>();
        for (Event event : results) {
            if (event.type().equals("result.google-sheets." + action + ".succeeded")) {
                found.add(event.data().path("result"));
            }
        }
        return found;
    }

    /** Every string cell of every write request the fake received (append and PUT). */
    static List<String> writtenStrings(FakeSheetsServer sheets) {
        List<String> strings = new ArrayList<>();
        for (RecordedRequest request : sheets.requests()) {
            if (request.isAppend() || request.method().equals("PUT")) {
                for (JsonNode row : json(request.body()).path("values")) {
                    for (JsonNode cell : row) {
                        if (cell.isTextual()) {
                            strings.add(cell.asText());
                        }
                    }
                }
            }
        }
        return strings;
    }
}
