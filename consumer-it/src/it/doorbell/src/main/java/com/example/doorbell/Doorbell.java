package com.example.doorbell;

import dev.recipes.core.ActionStep;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.net.InetSocketAddress;

/** The doorbell's recipe, and the HTTP server its rings arrive at. */
public final class Doorbell {

    private Doorbell() {
    }

    /**
     * When the front door rings, the chime plays its tune.
     *
     * @return the recipe
     */
    public static Recipe frontDoorChimes() {
        return Recipe.named("front-door-chimes")
                .when(Trigger.of("doorbell.rang"))
                .filter(event -> "front".equals(event.data().path("door").asText()))
                .then(ActionStep.of(DoorbellService.ID, "chime")
                        .pointer("door", "/door")
                        .constant("tune", "westminster")
                        .build())
                .build();
    }

    /**
     * Serves the engine's webhooks, rings included, at {@code POST /hooks/doorbell}.
     *
     * @param engine the engine, started or not
     * @param address where to listen
     * @return the running server; close it to stop
     */
    public static JdkWebhookServer serve(RecipeEngine engine, InetSocketAddress address) {
        return JdkWebhookServer.start(engine, address);
    }
}
