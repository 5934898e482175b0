package dev.recipes.core.internal;

import dev.recipes.core.Event;
import java.net.URI;

/**
 * What a topic remembers of the events of its last refusals: by the event's source and id, a
 * value that says who took it. Each refusal takes the next place in a ring of places; an event
 * refused again moves to the newest place, and the event in the oldest place is forgotten when
 * a refusal needs it, so the memory holds the events of the last refusals, as many as it has
 * places.
 *
 * <p>The events are found in an open-addressing table (linear probing, backward-shift
 * deletion) by a fingerprint of their source and id, and told apart by the source and id
 * themselves, so that events whose fingerprints are equal are remembered side by side. Neither
 * looking up nor remembering allocates. Not thread-safe: its topic guards it.
 *
 * @param <V> the type of what is remembered with each event
 */
final class RecentTakes<V> {

    // Marks a free slot of the table; a fingerprint equal to it is stored as REPLACEMENT.
    private static final long FREE = 0L;
    private static final long REPLACEMENT = 0x9e3779b97f4a7c15L;

    // The ring of places: the fingerprint and the number of the refusal that took each one.
    private final long[] placeKeys;
    private final long[] placeRefusals;
    // The table: per slot a fingerprint, the number of the event's latest refusal, which is
    // unique, the event's source and id, and the value.
    private final long[] keys;
    private final long[] refusals;
    private final URI[] sources;
    private final String[] ids;
    private final Object[] values;
    private final int mask;
    private long count;
    private int size;

    /**
     * Creates an empty memory.
     *
     * @param places how many refusals it remembers the events of, at least 1
     */
    RecentTakes(int places) {
        placeKeys = new long[places];
        placeRefusals = new long[places];
        keys = new long[Integer.highestOneBit(places * 2 - 1) * 2];
        refusals = new long[keys.length];
        sources = new URI[keys.length];
        ids = new String[keys.length];
        values = new Object[keys.length];
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
        int slot = find(key(fingerprint), event);
        return slot < 0 ? null : (V) values[slot];
    }

    /**
     * Remembers a value with an event the topic refused, in the newest place: replaces the
     * value of a remembered event and moves it there, or adds the event, forgetting the event
     * of the oldest place if it is still there.
     */
    void refused(long fingerprint, Event event, V value) {
        long key = key(fingerprint);
        int place = (int) (count % placeKeys.length);
        long refusal = ++count;
        if (refusal > placeKeys.length) {
            forget(placeKeys[place], placeRefusals[place]);
        }
        placeKeys[place] = key;
        placeRefusals[place] = refusal;
        int slot = find(key, event);
        if (slot < 0) {
            slot = slot(key);
            while (keys[slot] != FREE) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            sources[slot] = event.source();
            ids[slot] = event.id();
            size++;
        }
        refusals[slot] = refusal;
        values[slot] = value;
    }

    /** Replaces the value of a remembered event, which keeps its place; else does nothing. */
    void update(long fingerprint, Event event, V value) {
        int slot = find(key(fingerprint), event);
        if (slot >= 0) {
            values[slot] = value;
        }
    }

    private int find(long key, Event event) {
        for (int slot = slot(key); keys[slot] != FREE; slot = (slot + 1) & mask) {
            if (keys[slot] == key && ids[slot].equals(event.id())
                    && sources[slot].equals(event.source())) {
                return slot;
            }
        }
        return -1;
    }

    // Forgets the event whose latest refusal was the given one, if it was not refused since.
    private void forget(long key, long refusal) {
        int slot = slot(key);
        while (keys[slot] != FREE && (keys[slot] != key || refusals[slot] != refusal)) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == FREE) {
            return;
        }
        size--;
        // Backward shift: moves up each later entry of the run that may sit in the freed slot.
        int free = slot;
        for (int probe = (free + 1) & mask; keys[probe] != FREE; probe = (probe + 1) & mask) {
            int home = slot(keys[probe]);
            if (((probe - home) & mask) >= ((probe - free) & mask)) {
                move(probe, free);
                free = probe;
            }
        }
        keys[free] = FREE;
        sources[free] = null;
        ids[free] = null;
        values[free] = null;
    }

    private void move(int from, int to) {
        keys[to] = keys[from];
        refusals[to] = refusals[from];
        sources[to] = sources[from];
        ids[to] = ids[from];
        values[to] = values[from];
    }

    private static long key(long fingerprint) {
        return fingerprint == FREE ? REPLACEMENT : fingerprint;
    }

    private int slot(long key) {
        long mixed = key * 0x9e3779b97f4a7c15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
}
