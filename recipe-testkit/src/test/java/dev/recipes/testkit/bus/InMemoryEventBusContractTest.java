package dev.recipes.testkit.bus;

import dev.recipes.core.EventBus;

/** The in-memory bus against the bus contract, with the hooks' defaults. */
final class InMemoryEventBusContractTest extends EventBusContract {

    @Override
    protected EventBus newBus() {
        return EventBus.inMemory();
    }
}
