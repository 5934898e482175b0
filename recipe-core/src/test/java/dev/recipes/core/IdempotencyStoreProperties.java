package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

final class IdempotencyStoreProperties {

    /**
     * Whatever mix of claims, releases and passing time, the store answers as a map that keeps
     * its keys in insertion order, forgets the oldest past its limit and drops expired ones.
     */
    @Property(tries = 100)
    void answersAsAnOrderedMapWithExpiry(
            @ForAll @Size(min = 1, max = 2000) List<@IntRange(min = 0, max = 999) Integer> steps,
            @ForAll @IntRange(min = 1, max = 300) int maxKeys) {
        MutableClockFixture clock = new MutableClockFixture(Instant.EPOCH);
        Duration expiry = Duration.ofMinutes(10);
        IdempotencyStore store = IdempotencyStore.inMemory(maxKeys, expiry, clock);
        LinkedHashMap<String, Instant> model = new LinkedHashMap<>();

        for (int step : steps) {
            String key = "key-" + (step % 400);
            if (step >= 990) {
                clock.advance(Duration.ofMinutes(step - 989));
            } else if (step >= 700) {
                store.release(key);
                model.remove(key);
            } else {
                assertThat(store.claim(key)).as("claim of %s", key)
                        .isEqualTo(claim(model, key, clock.instant(), expiry, maxKeys));
            }
        }
    }

    private static boolean claim(LinkedHashMap<String, Instant> model, String key, Instant now,
            Duration expiry, int maxKeys) {
        Iterator<Map.Entry<String, Instant>> entries = model.entrySet().iterator();
        while (entries.hasNext() && !entries.next().getValue().isAfter(now)) {
            entries.remove();
        }
        if (model.containsKey(key)) {
            return false;
        }
        model.put(key, now.plus(expiry));
        if (model.size() > maxKeys) {
            model.remove(model.keySet().iterator().next());
        }
        return true;
    }
}
