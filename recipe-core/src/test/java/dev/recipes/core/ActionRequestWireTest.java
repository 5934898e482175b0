package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an action request carries across the bus: the idempotency keys, which other engines
 * sharing a store must build alike, and the time of the first attempt, written as text.
 */
final class ActionRequestWireTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> invocationKeys = new CopyOnWriteArrayList<>();
    private final List<String> claimed = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile boolean permanent;
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void start(Clock clock) {
        IdempotencyStore memory = IdempotencyStore.inMemory(1_000, Duration.ofHours(1), clock);
        IdempotencyStore recording = new IdempotencyStore() {
            @Override
            public boolean claim(String key) {
                claimed.add(key);
                return memory.claim(key);
            }

            @Override
            public void release(String key) {
                memory.release(key);
            }
        };
        engine = RecipeEngine.builder().discoverServices(false).clock(clock)
                .service(new KeyedService()).idempotency(recording)
                .retryPolicy(RetryPolicy.custom().maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2))
                        .build())
                .recipe(Recipe.named("keys").when(Trigger.of("demo.said"))
                        .then(ActionStep.of("keyed", "call").build()).build())
                .build();
        engine.start();
    }

    private void say(String source, String id) {
        engine.publish(Event.builder("demo.said").source(URI.create(source)).id(id)
                .data(JSON.createObjectNode().put("text", "hi")).build());
    }

    @Test
    void separatorsInTheSourceAndIdAreEscapedInTheKey() throws Exception {
        start(Clock.systemUTC());

        say("/shop%20x/a#b:c", "e:1#2%3");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        String key = "/shop%2520x/a%23b%3Ac#e%3A1%232%253:keys:0";
        assertThat(invocationKeys).containsExactly(key);
        assertThat(claimed).contains(key);
    }

    @Test
    void aPlainSourceAndIdAreKeptAsTheyAre() throws Exception {
        start(Clock.systemUTC());

        say("/slack/T0TEST001", "Ev0PV52K25");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(invocationKeys).containsExactly("/slack/T0TEST001#Ev0PV52K25:keys:0");
    }

    @Test
    void laterAttemptsClaimKeysOfTheirOwn() throws Exception {
        start(Clock.systemUTC());
        failuresLeft.set(2);

        say("/demo", "e1");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        String key = "/demo#e1:keys:0";
        assertThat(invocationKeys).containsExactly(key, key, key);
        assertThat(claimed).containsSubsequence(key, key + "#attempt2", key + "#attempt3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-12-05T00:09:04Z", "2026-12-05T00:09:04.120Z",
        "2024-02-29T23:59:59.000123Z", "2026-12-05T00:09:04.000000001Z",
        "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "+12345-06-07T08:09:10.5Z",
        "1969-12-31T23:59:59.999Z"})
    void theFirstAttemptTimeArrivesExactlyAsTheClockGaveIt(String time) throws Exception {
        Instant now = Instant.parse(time);
        start(Clock.fixed(now, ZoneOffset.UTC));
        permanent = true;

        say("/demo", "e1");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(engine.deadLetters().list()).singleElement()
                .satisfies(letter -> assertThat(letter.firstAttemptAt()).isEqualTo(now));
    }

    /** Notes each invocation's key, then fails as the test asks. */
    private final class KeyedService implements Service {

        @Override
        public String id() {
            return "keyed";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "call";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    invocationKeys.add(invocation.idempotencyKey());
                    if (permanent) {
                        throw ActionException.permanent("keyed: refused", null);
                    }
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw ActionException.retryable("keyed: unavailable", null, null);
                    }
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
