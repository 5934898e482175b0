package dev.recipes.core.internal;

import dev.recipes.core.polling.PollState;
import dev.recipes.core.polling.StateStore;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link StateStore} in a map. */
public final class InMemoryStateStore implements StateStore {

    private final Map<String, PollState> states = new ConcurrentHashMap<>();

    /** Creates an empty store. */
    public InMemoryStateStore() {
    }

    @Override
    public Optional<PollState> load(String key) {
        return Optional.ofNullable(states.get(Objects.requireNonNull(key, "key")));
    }

    @Override
    public void save(String key, PollState state) {
        states.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(state, "state"));
    }

    @Override
    public boolean delete(String key) {
        return states.remove(Objects.requireNonNull(key, "key")) != null;
    }

    @Override
    public String toString() {
        return "StateStore.inMemory[" + states.size() + " sources]";
    }
}
