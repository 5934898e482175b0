package dev.recipes.core.internal;

import dev.recipes.core.Event;
import java.net.URI;

/**
 * What a topic remembers of the last events published on it: by the event's source and id, a
 * value that says who took it, oldest forgotten first. A ring of fingerprints in the order
 * remembered, and an open-addressing table (linear probing, backward-shift deletion) of
 * fingerprints with the events' sources, ids and values beside them, so that neither looking
 * up nor remembering allocates, and two events whose fingerprints are equal are still told
 * apart. Not thread-safe: its topic guards it.
 *
 * @param <V> the type of what is remembered with each fingerprint
 */
final class RecentTakes<V> {

    // Marks a free slot of the table; a fingerprint equal to it is stored as REPLACEMENT.
    private static final long FREE = 0L;
    private static final long REPLACEMENT = 0x9e3779b97f4a7c15L;

    private final long[] order;
    private final long[] keys;
    private final Object[] values;
    private final URI[] sources;
    private final String[] ids;
    private final int mask;
    private int next;
    private int size;

    /**
     * Creates an empty memory.
     *
     * @param capacity how many fingerprints it remembers, at least 1
     */
    RecentTakes(int capacity) {
        order = new long[capacity];
        keys = new long[Integer.highestOneBit(capacity * 2 - 1) * 2];
        values = new Object[keys.length];
        sources = new URI[keys.length];
        ids = new String[keys.length];
        mask = keys.length - 1;
    }

    /** Tells whether nothing is remembered. */
    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Returns what is remembered with the event, found by its fingerprint, or null if it is not
     * remembered.
     */
    @SuppressWarnings("unchecked")
    V get(long fingerprint, Event event) {
        long key = key(fingerprint);
        for (int slot = slot(key); keys[slot] != FREE; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return same(slot, event) ? (V) values[slot] : null;
            }
        }
        return null;
    }

    private boolean same(int slot, Event event) {
        return ids[slot].equals(event.id()) && sources[slot].equals(event.source());
    }

    /**
     * Remembers a value with an event and its fingerprint: replaces the value of a remembered
     * one, where it stays in the order; otherwise remembers it as the newest, forgetting the
     * oldest if full. Of two events with the same fingerprint, the newer one replaces the
     * older.
     */
    void put(long fingerprint, Event event, V value) {
        long key = key(fingerprint);
        int slot = slot(key);
        while (keys[slot] != FREE) {
            if (keys[slot] == key) {
                values[slot] = value;
                sources[slot] = event.source();
                ids[slot] = event.id();
                return;
            }
            slot = (slot + 1) & mask;
        }
        if (size == order.length) {
            remove(order[next]);
            // The removal may have shifted the run this key probes; find its slot again.
            slot = slot(key);
            while (keys[slot] != FREE) {
                slot = (slot + 1) & mask;
            }
        } else {
            size++;
        }
        order[next] = key;
        next = next + 1 == order.length ? 0 : next + 1;
        keys[slot] = key;
        values[slot] = value;
        sources[slot] = event.source();
        ids[slot] = event.id();
    }

    private void remove(long key) {
        int slot = slot(key);
        while (keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        // Backward shift: moves up each later key of the run that may sit in the freed slot.
        int free = slot;
        for (int probe = (free + 1) & mask; keys[probe] != FREE; probe = (probe + 1) & mask) {
            int home = slot(keys[probe]);
            if (((probe - home) & mask) >= ((probe - free) & mask)) {
                keys[free] = keys[probe];
                values[free] = values[probe];
                sources[free] = sources[probe];
                ids[free] = ids[probe];
                free = probe;
            }
        }
        keys[free] = FREE;
        values[free] = null;
        sources[free] = null;
        ids[free] = null;
    }

    private static long key(long fingerprint) {
        return fingerprint == FREE ? REPLACEMENT : fingerprint;
    }

    private int slot(long key) {
        long mixed = key * 0x9e3779b97f4a7c15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
}
