package dev.recipes.core.internal;

import dev.recipes.core.Recipe;
import dev.recipes.core.Schedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The timers of an engine's schedules: one per schedule name, however many recipes use it. */
final class Schedules {

    private final Map<String, ScheduleTimer> timers = new LinkedHashMap<>();

    /**
     * Makes a timer for each schedule the recipes use.
     *
     * @throws IllegalStateException if two recipes use different schedules of the same name
     */
    Schedules(EngineRuntime runtime, List<Recipe> recipes) {
        Map<String, Recipe> first = new LinkedHashMap<>();
        for (Recipe recipe : recipes) {
            if (!(recipe.trigger() instanceof Schedule schedule)) {
                continue;
            }
            Recipe other = first.putIfAbsent(schedule.name(), recipe);
            if (other == null) {
                timers.put(schedule.name(), new ScheduleTimer(schedule, runtime));
            } else if (!other.trigger().equals(schedule)) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': " + schedule
                        + " differs from " + other.trigger() + " of recipe '" + other.id()
                        + "'; recipes that share a schedule name share its timer, so give them "
                        + "the same schedule");
            }
        }
    }

    /** Starts every timer. */
    void start() {
        timers.values().forEach(ScheduleTimer::start);
    }

    /** Stops every timer and gives up the leases held. */
    void close() {
        timers.values().forEach(ScheduleTimer::close);
    }
}
