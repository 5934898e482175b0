package dev.recipes.core.attack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ActionOutcome;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/** Small building blocks for the attack tests: services, actions, triggers and publishing. */
final class Attack {

    static final ObjectMapper JSON = new ObjectMapper();

    private Attack() {
    }

    static ObjectNode data() {
        return JSON.createObjectNode();
    }

    static Event event(String type, String id, JsonNode data) {
        return Event.builder(type).id(id).data(data).build();
    }

    /** An action that runs a function per invocation. */
    static Action action(String name, Function<ActionInvocation, JsonNode> body) {
        return new Action() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public JsonNode execute(ActionInvocation invocation) {
                return body.apply(invocation);
            }
        };
    }

    /** An action that takes batches of up to max invocations. */
    static Action batching(String name, int max,
            Function<List<ActionInvocation>, List<ActionOutcome>> body) {
        return new Action() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int maxBatch() {
                return max;
            }

            @Override
            public List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
                return body.apply(invocations);
            }

            @Override
            public JsonNode execute(ActionInvocation invocation) {
                ActionOutcome outcome = body.apply(List.of(invocation)).get(0);
                if (!outcome.isSuccess()) {
                    throw outcome.failure();
                }
                return outcome.result();
            }
        };
    }

    static Service service(String id, Action... actions) {
        return new Service() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public List<Action> actions() {
                return List.of(actions);
            }
        };
    }

    /** A trigger with a key, whose matches() is what the key promises and nothing more. */
    static Trigger keyed(String type, Trigger.IndexKey key) {
        return keyed(type, Trigger.topicFor(type), key);
    }

    static Trigger keyed(String type, String topic, Trigger.IndexKey key) {
        return custom(type, topic, () -> Optional.of(key),
                event -> key.valueIn(event).map(key.values()::contains).orElse(false));
    }

    static Trigger custom(String type, String topic,
            java.util.function.Supplier<Optional<Trigger.IndexKey>> key,
            Predicate<Event> matches) {
        return new Trigger() {
            @Override
            public String eventType() {
                return type;
            }

            @Override
            public String topic() {
                return topic;
            }

            @Override
            public boolean matches(Event event) {
                return matches.test(event);
            }

            @Override
            public Optional<IndexKey> indexKey() {
                return key.get();
            }

            @Override
            public String toString() {
                return "Attack[" + type + "]";
            }
        };
    }

    /**
     * Publishes as a webhook sender would: a refused event is sent again after a pause, until
     * it is taken or the patience runs out.
     *
     * @return true if the event was taken
     */
    static boolean publishPatiently(RecipeEngine engine, Event event, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                engine.publish(event);
                return true;
            } catch (EventRejectedException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(2);
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
