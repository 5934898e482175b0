package dev.recipes.core.attack;

import static dev.recipes.core.attack.Attack.JSON;
import static dev.recipes.core.attack.Attack.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.core.Trigger.IndexKey;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The recipe index must never hide a recipe whose trigger matches: every event is checked
 * against an oracle that asks each trigger's matches() directly.
 */
final class IndexAttackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TYPE = "idx.thing";

    // event id -> recipes that ran for it (one entry per action run)
    private final Map<String, List<String>> ran = new ConcurrentHashMap<>();
    private final List<Event> failures = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private RecipeEngine.Builder builder() {
        return RecipeEngine.builder().discoverServices(false)
                .service(Attack.service("rec", Attack.action("note", invocation -> {
                    ran.computeIfAbsent(invocation.triggerEventId(),
                            id -> new CopyOnWriteArrayList<>()).add(invocation.recipeId());
                    return data();
                })));
    }

    private static Recipe recipe(String id, Trigger trigger) {
        return Recipe.named(id).when(trigger)
                .then(ActionStep.of("rec", "note").constant("r", id).build()).build();
    }

    @Test
    void keyedUnkeyedAndOddPointersNeverHideARecipe() throws Exception {
        Map<String, Trigger> triggers = new java.util.LinkedHashMap<>();
        triggers.put("unkeyed", Trigger.of(TYPE));
        triggers.put("ch", Attack.keyed(TYPE, IndexKey.dataAt("/ch", "C1", "C2")));
        triggers.put("ch-shared", Attack.keyed(TYPE, IndexKey.dataAt("/ch", "C1")));
        triggers.put("src", Attack.keyed(TYPE, IndexKey.source(URI.create("/src/a"))));
        triggers.put("subj", Attack.keyed(TYPE, IndexKey.subject("S1")));
        triggers.put("escaped", Attack.keyed(TYPE, IndexKey.dataAt("/a~1b/c~0d", "v")));
        triggers.put("empty-member", Attack.keyed(TYPE, IndexKey.dataAt("/", "e")));
        triggers.put("empty-inner", Attack.keyed(TYPE, IndexKey.dataAt("/x//y", "xy")));
        triggers.put("array", Attack.keyed(TYPE, IndexKey.dataAt("/items/1", "second")));
        triggers.put("numeric-member", Attack.keyed(TYPE, IndexKey.dataAt("/0", "zero")));
        triggers.put("nested-ch", Attack.keyed(TYPE, IndexKey.dataAt("/event/ch", "C1")));
        triggers.put("empty-value", Attack.keyed(TYPE, IndexKey.dataAt("/ch", "")));
        RecipeEngine.Builder builder = builder();
        triggers.forEach((id, trigger) -> builder.recipe(recipe(id, trigger)));
        // The same trigger on another type: must not run for this type.
        builder.recipe(recipe("other-type", Attack.keyed("idx.other",
                IndexKey.dataAt("/ch", "C1"))));
        engine = builder.build();
        engine.start();

        List<Event> events = new ArrayList<>();
        events.add(ev("plain", "/src/b", null, data()));
        events.add(ev("c1", "/src/b", null, data().put("ch", "C1")));
        events.add(ev("c2-src-subj", "/src/a", "S1", data().put("ch", "C2")));
        events.add(ev("c3", "/src/a", "S2", data().put("ch", "C3")));
        events.add(ev("ch-number", "/src/b", null, data().put("ch", 1)));
        events.add(ev("ch-empty", "/src/b", null, data().put("ch", "")));
        ObjectNode escaped = data();
        escaped.putObject("a/b").put("c~d", "v");
        events.add(ev("escaped", "/src/b", null, escaped));
        ObjectNode wrongEscape = data();
        wrongEscape.putObject("a~1b").put("c~0d", "v");
        events.add(ev("wrong-escape", "/src/b", null, wrongEscape));
        events.add(ev("empty-member", "/src/b", null, data().put("", "e")));
        ObjectNode inner = data();
        inner.putObject("x").put("", "ignored").putObject("").put("y", "xy");
        events.add(ev("empty-inner", "/src/b", null, inner));
        ObjectNode array = data();
        array.putArray("items").add("first").add("second");
        events.add(ev("array", "/src/b", null, array));
        ObjectNode objectItems = data();
        objectItems.putObject("items").put("1", "second");
        events.add(ev("items-as-object", "/src/b", null, objectItems));
        events.add(ev("numeric-member", "/src/b", null, data().put("0", "zero")));
        ArrayNode top = JSON.createArrayNode().add("zero").add("x");
        events.add(ev("top-array", "/src/a", "S1", top));
        events.add(ev("null-data", "/src/a", null, null));
        events.add(ev("text-data", "/src/b", "S1", JSON.getNodeFactory().textNode("C1")));
        ObjectNode huge = data().put("ch", "C1");
        ObjectNode deep = huge;
        for (int i = 0; i < 500; i++) {
            deep = deep.putObject("event");
        }
        for (int i = 0; i < 20_000; i++) {
            huge.put("f" + i, "v" + i);
        }
        events.add(ev("huge", "/src/a", "S1", huge));
        ObjectNode nested = data();
        nested.putObject("event").put("ch", "C1");
        events.add(ev("nested", "/src/b", null, nested));

        for (Event event : events) {
            engine.publish(event);
        }
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        for (Event event : events) {
            // Engine's event copies data, so ask the oracle with the same event.
            Set<String> expected = new TreeSet<>();
            triggers.forEach((id, trigger) -> {
                if (trigger.matches(event)) {
                    expected.add(id);
                }
            });
            List<String> actual = ran.getOrDefault(event.id(), List.of());
            assertThat(actual).as("recipes run for event '%s'", event.id())
                    .doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void aTriggerThatChangesItsKeyOrThrowsLaterIsAskedOnceAndAThrowingMatchIsIsolated()
            throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Trigger fickle = Attack.custom(TYPE, Trigger.topicFor(TYPE), () -> {
            int n = asked.incrementAndGet();
            if (n > 1) {
                throw new IllegalStateException("asked " + n + " times");
            }
            return Optional.of(IndexKey.dataAt("/ch", "A"));
        }, event -> true);
        Trigger throwing = Attack.custom(TYPE, Trigger.topicFor(TYPE), Optional::empty,
                event -> {
                    throw new IllegalStateException("matches blew up");
                });
        engine = builder().recipe(recipe("fickle", fickle)).recipe(recipe("throws", throwing))
                .recipe(recipe("plain", Trigger.of(TYPE))).build();
        engine.bus().subscribe("recipe.failed", "test", failures::add);
        engine.start();

        engine.publish(ev("a", "/s", null, data().put("ch", "A")));
        engine.publish(ev("b", "/s", null, data().put("ch", "B")));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(ran.get("a")).containsExactlyInAnyOrder("fickle", "plain");
        assertThat(ran.get("b")).containsExactly("plain");
        assertThat(failures).hasSize(2).allSatisfy(failure -> {
            assertThat(failure.data().path("recipe").asText()).isEqualTo("throws");
            assertThat(failure.data().path("error").asText()).contains("matches blew up");
        });
    }

    @Test
    void aTriggerWhoseKeyThrowsAtBuildIsAClearError() {
        Trigger broken = Attack.custom(TYPE, Trigger.topicFor(TYPE), () -> {
            throw new IllegalStateException("no key today");
        }, event -> true);
        assertThatThrownBy(() -> builder().recipe(recipe("broken", broken)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recipe 'broken'").hasMessageContaining("no key today");
    }

    @Test
    void indexKeyValuesAreCheckedWithClearErrors() {
        assertThat(IndexKey.dataAt("/ch", "C1", "C1").values()).containsExactly("C1");
        assertThatThrownBy(() -> IndexKey.dataAt("/ch", "C1", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("index key").hasMessageContaining("null value");
        assertThatThrownBy(() -> IndexKey.subject(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("index key");
        assertThatThrownBy(() -> IndexKey.source(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("index key");
    }

    @Test
    void keyedFollowersOfEngineEventsGetOnlyTheirs() throws Exception {
        String succeeded = Trigger.onSuccess("rec", "note").topic();
        String failed = Trigger.onFailure("rec", "fail").topic();
        engine = RecipeEngine.builder().discoverServices(false)
                .service(Attack.service("rec", Attack.action("note", invocation -> {
                    ran.computeIfAbsent(invocation.triggerEventId(),
                            id -> new CopyOnWriteArrayList<>()).add(invocation.recipeId());
                    return data();
                }), Attack.action("fail", invocation -> {
                    throw dev.recipes.core.spi.ActionException.permanent("no", null);
                })))
                .recipe(Recipe.named("first").when(Trigger.of(TYPE))
                        .then(ActionStep.of("rec", "note").constant("r", "first").build())
                        .build())
                .recipe(Recipe.named("second").when(Trigger.of(TYPE))
                        .then(ActionStep.of("rec", "fail").constant("r", "second").build())
                        .build())
                .recipe(recipe("after-first", Attack.keyed(succeeded, succeeded,
                        IndexKey.dataAt("/recipe", "first"))))
                .recipe(recipe("after-failure", Attack.custom(failed, failed,
                        () -> Optional.of(IndexKey.dataAt("/error/reason",
                                "PERMANENT_FAILURE")), event -> true)))
                .recipe(recipe("on-deadletter", Attack.custom("deadletter", "deadletter",
                        () -> Optional.of(IndexKey.dataAt("/recipe", "second")),
                        event -> true)))
                .recipe(recipe("on-recipe-failed", Trigger.of("recipe.failed")))
                .build();
        engine.start();

        engine.publish(ev("e1", "/s", null, data()));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        Map<String, Integer> counts = new HashMap<>();
        ran.values().forEach(list -> list.forEach(r -> counts.merge(r, 1, Integer::sum)));
        assertThat(counts).containsEntry("first", 1).containsEntry("after-first", 1)
                .containsEntry("after-failure", 1).containsEntry("on-deadletter", 1)
                .doesNotContainKey("on-recipe-failed");
    }

    private static Event ev(String id, String source, String subject, JsonNode data) {
        return new Event(id, URI.create(source), TYPE, subject, null, null, data);
    }
}
