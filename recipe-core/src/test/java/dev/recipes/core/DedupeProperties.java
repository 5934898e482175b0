package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

final class DedupeProperties {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * However duplicates of the same events interleave, from several publishers at once, each
     * event's action has its effect once.
     */
    @Property(tries = 40)
    void anyInterleavingOfDuplicatesHasOneEffectPerKey(
            @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 9) Integer> ids,
            @ForAll @IntRange(min = 1, max = 3) int publishers) throws Exception {
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new CountingService(effects))
                .recipe(Recipe.named("count").when(Trigger.of("demo.ping"))
                        .then(ActionStep.of("counting", "count").pointer("id", "/id").build())
                        .build())
                .build();
        engine.start();
        try {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                int offset = p;
                Thread thread = new Thread(() -> {
                    for (int i = offset; i < ids.size(); i += publishers) {
                        String id = "ping-" + ids.get(i);
                        engine.publish(Event.builder("demo.ping").id(id).source("/pings")
                                .data(JSON.createObjectNode().put("id", id)).build());
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }

            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(effects.keySet()).containsExactlyInAnyOrderElementsOf(
                    ids.stream().distinct().map(id -> "ping-" + id).toList());
            assertThat(effects.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        } finally {
            engine.close();
        }
    }

    /** Counts the effects per id. */
    static final class CountingService implements Service {

        private final Map<String, AtomicInteger> effects;

        CountingService(Map<String, AtomicInteger> effects) {
            this.effects = effects;
        }

        @Override
        public String id() {
            return "counting";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "count";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    effects.computeIfAbsent(invocation.requireText("id"),
                            id -> new AtomicInteger()).incrementAndGet();
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
