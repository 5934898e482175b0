package dev.recipes.benchmarks;

import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.util.Objects;
import java.util.Optional;

/**
 * Listens to the orders of one shop, a field of the event's data, and declares it as its index
 * key, as a Slack trigger does its channel: the engine offers an order to its shop's recipes
 * alone.
 *
 * @param eventType the type of the orders
 * @param shop the shop, compared exactly with {@code /shop}
 */
record ShopTrigger(String eventType, String shop) implements Trigger {

    /** Checks the parts. */
    ShopTrigger {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(shop, "shop");
    }

    @Override
    public boolean matches(Event event) {
        return shop.equals(event.data().path("shop").textValue());
    }

    @Override
    public Optional<IndexKey> indexKey() {
        return Optional.of(IndexKey.dataAt("/shop", shop));
    }
}
