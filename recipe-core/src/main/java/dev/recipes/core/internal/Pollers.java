package dev.recipes.core.internal;

import dev.recipes.core.Recipe;
import dev.recipes.core.polling.PollSource;
import dev.recipes.core.polling.PollingTrigger;
import dev.recipes.core.spi.Service;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The timers of an engine's polling triggers: one per state key, however many recipes. */
final class Pollers {

    private final Map<String, PollTimer> timers = new LinkedHashMap<>();

    /**
     * Makes a timer for each polled source the recipes use.
     *
     * @throws IllegalStateException if a trigger's service is missing or does not poll, or two
     *     recipes use different triggers with the same state key
     */
    Pollers(EngineRuntime runtime, List<Recipe> recipes, Map<String, Service> services) {
        Map<String, Recipe> first = new LinkedHashMap<>();
        for (Recipe recipe : recipes) {
            if (!(recipe.trigger() instanceof PollingTrigger trigger)) {
                continue;
            }
            Recipe other = first.putIfAbsent(trigger.stateKey(), recipe);
            if (other == null) {
                timers.put(trigger.stateKey(), new PollTimer(trigger,
                        source(recipe, trigger, services), runtime));
            } else if (!other.trigger().equals(trigger)) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': " + trigger
                        + " differs from the trigger of recipe '" + other.id() + "' on the same "
                        + "source; recipes that share a source share its poll, so give them "
                        + "equal triggers");
            }
        }
    }

    private static PollSource source(Recipe recipe, PollingTrigger trigger,
            Map<String, Service> services) {
        Service service = services.get(trigger.service());
        if (service == null) {
            throw new IllegalStateException("recipe '" + recipe.id() + "': " + trigger
                    + " is polled by service '" + trigger.service() + "', which is not "
                    + "registered; services: " + services.keySet());
        }
        Optional<PollSource> source = service.pollSource();
        if (source.isEmpty()) {
            throw new IllegalStateException("recipe '" + recipe.id() + "': service '"
                    + trigger.service() + "' has no poll source for " + trigger
                    + "; a service that offers polling triggers implements "
                    + "Service.pollSource()");
        }
        return source.get();
    }

    /** Starts every timer. */
    void start() {
        timers.values().forEach(PollTimer::start);
    }

    /** Stops every timer, saves what is unsaved and gives up the leases held. */
    void close() {
        timers.values().forEach(PollTimer::close);
    }
}
