package dev.recipes.core.internal;

/**
 * The fingerprints of the last events a group took, oldest forgotten first: a ring of
 * fingerprints in the order taken, and an open-addressing table (linear probing, backward-shift
 * deletion) to look them up, so that neither looking up nor remembering allocates. Not
 * thread-safe: its group guards it.
 */
final class RecentEvents {

    // Marks a free slot of the table; a fingerprint equal to it is stored as REPLACEMENT.
    private static final long FREE = 0L;
    private static final long REPLACEMENT = 0x9e3779b97f4a7c15L;

    private final long[] order;
    private final long[] table;
    private final int mask;
    private int next;
    private int size;

    /**
     * Creates an empty memory.
     *
     * @param capacity how many fingerprints it remembers, at least 1
     */
    RecentEvents(int capacity) {
        order = new long[capacity];
        table = new long[Integer.highestOneBit(capacity * 2 - 1) * 2];
        mask = table.length - 1;
    }

    /** Tells whether the fingerprint is among the remembered ones. */
    boolean contains(long fingerprint) {
        long key = key(fingerprint);
        for (int slot = slot(key); table[slot] != FREE; slot = (slot + 1) & mask) {
            if (table[slot] == key) {
                return true;
            }
        }
        return false;
    }

    /** Remembers a fingerprint that is not remembered yet, forgetting the oldest if full. */
    void add(long fingerprint) {
        long key = key(fingerprint);
        if (size == order.length) {
            remove(order[next]);
        } else {
            size++;
        }
        order[next] = key;
        next = next + 1 == order.length ? 0 : next + 1;
        int slot = slot(key);
        while (table[slot] != FREE) {
            slot = (slot + 1) & mask;
        }
        table[slot] = key;
    }

    private void remove(long key) {
        int slot = slot(key);
        while (table[slot] != key) {
            slot = (slot + 1) & mask;
        }
        // Backward shift: moves up each later key of the run that may sit in the freed slot.
        int free = slot;
        for (int probe = (free + 1) & mask; table[probe] != FREE; probe = (probe + 1) & mask) {
            int home = slot(table[probe]);
            if (((probe - home) & mask) >= ((probe - free) & mask)) {
                table[free] = table[probe];
                free = probe;
            }
        }
        table[free] = FREE;
    }

    private static long key(long fingerprint) {
        return fingerprint == FREE ? REPLACEMENT : fingerprint;
    }

    private int slot(long key) {
        long mixed = key * 0x9e3779b97f4a7c15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
}
