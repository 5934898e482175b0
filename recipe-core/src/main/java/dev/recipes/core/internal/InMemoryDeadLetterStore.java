package dev.recipes.core.internal;

import dev.recipes.core.DeadLetter;
import dev.recipes.core.DeadLetterStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps dead letters in insertion order, up to a capacity. */
public final class InMemoryDeadLetterStore implements DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);

    private final int capacity;
    private final Map<String, DeadLetter> letters = new LinkedHashMap<>();

    /**
     * Creates a store.
     *
     * @param capacity at least 1
     */
    public InMemoryDeadLetterStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("dead-letter store: capacity " + capacity
                    + " must be at least 1");
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized void add(DeadLetter deadLetter) {
        Objects.requireNonNull(deadLetter, "deadLetter");
        letters.put(deadLetter.id(), deadLetter);
        if (letters.size() > capacity) {
            Iterator<DeadLetter> oldest = letters.values().iterator();
            DeadLetter dropped = oldest.next();
            oldest.remove();
            LOG.error("Dead-letter store full ({} letters); dropped the oldest, {}", capacity,
                    dropped);
        }
    }

    @Override
    public synchronized List<DeadLetter> list() {
        return List.copyOf(new ArrayList<>(letters.values()));
    }

    @Override
    public synchronized Optional<DeadLetter> find(String id) {
        return Optional.ofNullable(letters.get(id));
    }

    @Override
    public synchronized boolean remove(String id) {
        return letters.remove(id) != null;
    }

    @Override
    public synchronized String toString() {
        return "DeadLetterStore[in memory, " + letters.size() + " of " + capacity + "]";
    }
}
