package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service with one action, {@code echo/say}, that fails a given number of times (retryable,
 * with a Retry-After if set) and then records the text it was given; and a recipe that says
 * the text of each {@code demo.said} event.
 */
final class EchoServiceFixture implements Service {

    static final ObjectMapper JSON = new ObjectMapper();

    final List<String> said = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile Duration retryAfter;
    volatile boolean permanent;

    @Override
    public String id() {
        return "echo";
    }

    @Override
    public List<Action> actions() {
        return List.of(new Action() {
            @Override
            public String name() {
                return "say";
            }

            @Override
            public JsonNode execute(ActionInvocation invocation) {
                if (permanent) {
                    throw ActionException.permanent("echo: refused", null);
                }
                if (failuresLeft.getAndDecrement() > 0) {
                    throw ActionException.retryable("echo: busy", retryAfter, null);
                }
                said.add(invocation.requireText("text"));
                return JSON.createObjectNode();
            }
        });
    }

    /** A recipe saying the text of every {@code demo.said} event, on channel C1. */
    static Recipe echoRecipe() {
        return Recipe.named("echo-said").when(Trigger.of("demo.said"))
                .then(ActionStep.of("echo", "say").pointer("text", "/text")
                        .constant("channel", "C1").build())
                .build();
    }

    /** A {@code demo.said} event. */
    static Event said(String id, String text) {
        return Event.builder("demo.said").id(id).source("/demo")
                .data(JSON.createObjectNode().put("text", text)).build();
    }

    /** A test engine on manual time that runs this service alone. */
    TestEngine manualEngine() {
        return TestEngine.manualTime()
                .customize(builder -> builder.discoverServices(false))
                .service(this)
                .recipe(echoRecipe());
    }
}
