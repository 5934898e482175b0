package dev.recipes.core.internal;

import dev.recipes.core.IdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Remembers keys in insertion order with one expiry for all, so the oldest key is always the
 * first to expire or to be evicted.
 *
 * <p>It holds each key in a ring of arrays, oldest first, with its hash and expiry beside it,
 * and finds it through an open-addressing table of positions in the ring: a remembered key
 * costs the store no object of its own but the key itself. A store of a busy engine holds
 * its 100,000 keys for seconds each, so every object per key would be copied by each young
 * collection in between; a linked map's entry and expiry cost three objects per key.
 *
 * <p>Thread-safe: every method holds the store's lock, briefly.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private static final int INITIAL_SLOTS = 64;

    private final int maxKeys;
    private final Duration expiry;
    private final Clock clock;

    // The ring: slot i holds a key (null once released: a hole), its hash and when it expires.
    // Slots from head on, `used` of them, wrapping around, are in insertion order.
    private String[] keys = new String[INITIAL_SLOTS];
    private int[] hashes = new int[INITIAL_SLOTS];
    private long[] expiries = new long[INITIAL_SLOTS];
    private int head;
    private int used;
    private int live;
    // Open addressing with linear probing: each cell holds a ring slot + 1, or 0 when empty.
    // At most half full, since it is sized to twice the ring.
    private int[] table = new int[2 * INITIAL_SLOTS];

    /**
     * Creates a store.
     *
     * @param maxKeys at least 1
     * @param expiry positive
     * @param clock the clock
     */
    public InMemoryIdempotencyStore(int maxKeys, Duration expiry, Clock clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("idempotency store: maxKeys " + maxKeys
                    + " must be at least 1");
        }
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("idempotency store: expiry " + expiry
                    + " must be positive");
        }
        this.maxKeys = maxKeys;
        this.expiry = expiry;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean claim(String key) {
        Objects.requireNonNull(key, "key");
        int hash = spread(key.hashCode());
        Instant now = clock.instant();
        synchronized (this) {
            forgetExpired(nanos(now));
            if (find(key, hash) >= 0) {
                return false;
            }
            if (live == maxKeys) {
                forgetOldest();
            }
            add(key, hash, nanos(now.plus(expiry)));
            return true;
        }
    }

    @Override
    public void release(String key) {
        Objects.requireNonNull(key, "key");
        int hash = spread(key.hashCode());
        synchronized (this) {
            int cell = find(key, hash);
            if (cell >= 0) {
                int slot = table[cell] - 1;
                removeCell(cell);
                keys[slot] = null;
                live--;
            }
        }
    }

    // Forgets keys from the oldest while they have expired; holes go with them.
    private void forgetExpired(long now) {
        while (used > 0 && (keys[head] == null || expiries[head] <= now)) {
            forgetHead();
        }
    }

    // Forgets the oldest key still held, and the holes before it.
    private void forgetOldest() {
        while (keys[head] == null) {
            forgetHead();
        }
        forgetHead();
    }

    private void forgetHead() {
        String key = keys[head];
        if (key != null) {
            removeCell(findSlot(head));
            keys[head] = null;
            live--;
        }
        head = next(head);
        used--;
    }

    private void add(String key, int hash, long expiresAt) {
        if (used == keys.length) {
            // Full of keys and holes (released keys): the ring grows while keys fill half of
            // it, up to twice maxKeys; past that, holes fill half of it, and dropping them
            // frees as many slots as the ring has keys, so a rebuild comes seldom.
            int slots = keys.length;
            if (live >= slots / 2 && slots < 2 * maxKeys) {
                slots *= 2;
            }
            rebuild(slots);
        }
        int slot = (head + used) % keys.length;
        keys[slot] = key;
        hashes[slot] = hash;
        expiries[slot] = expiresAt;
        used++;
        live++;
        int cell = hash & (table.length - 1);
        while (table[cell] != 0) {
            cell = (cell + 1) & (table.length - 1);
        }
        table[cell] = slot + 1;
    }

    // Copies the keys held, oldest first, into a ring of the given size without holes, and
    // indexes them again.
    private void rebuild(int slots) {
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        long[] oldExpiries = expiries;
        keys = new String[slots];
        hashes = new int[slots];
        expiries = new long[slots];
        table = new int[2 * slots];
        int kept = 0;
        for (int i = 0, slot = head; i < used; i++, slot = (slot + 1) % oldKeys.length) {
            if (oldKeys[slot] != null) {
                keys[kept] = oldKeys[slot];
                hashes[kept] = oldHashes[slot];
                expiries[kept] = oldExpiries[slot];
                int cell = hashes[kept] & (table.length - 1);
                while (table[cell] != 0) {
                    cell = (cell + 1) & (table.length - 1);
                }
                table[cell] = kept + 1;
                kept++;
            }
        }
        head = 0;
        used = kept;
    }

    // Returns the table cell of a key, or -1 if the store does not hold it.
    private int find(String key, int hash) {
        int mask = table.length - 1;
        for (int cell = hash & mask; table[cell] != 0; cell = (cell + 1) & mask) {
            int slot = table[cell] - 1;
            if (hashes[slot] == hash && key.equals(keys[slot])) {
                return cell;
            }
        }
        return -1;
    }

    // Returns the table cell that points at a ring slot holding a key.
    private int findSlot(int slot) {
        int mask = table.length - 1;
        int cell = hashes[slot] & mask;
        while (table[cell] != slot + 1) {
            cell = (cell + 1) & mask;
        }
        return cell;
    }

    // Empties a cell, and moves up the cells after it that could not sit in their own place,
    // so that every key stays reachable from its own cell without a gap (no tombstones).
    private void removeCell(int cell) {
        int mask = table.length - 1;
        int gap = cell;
        for (int next = (gap + 1) & mask; table[next] != 0; next = (next + 1) & mask) {
            int home = hashes[table[next] - 1] & mask;
            // The entry at next may fill the gap if its home is not between the gap and it.
            if (((next - home) & mask) >= ((next - gap) & mask)) {
                table[gap] = table[next];
                gap = next;
            }
        }
        table[gap] = 0;
    }

    private int next(int slot) {
        return slot + 1 == keys.length ? 0 : slot + 1;
    }

    // Nanoseconds since the epoch, saturated beyond the years that a long holds.
    private static long nanos(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds >= Long.MAX_VALUE / 1_000_000_000L) {
            return Long.MAX_VALUE;
        }
        if (seconds <= Long.MIN_VALUE / 1_000_000_000L) {
            return Long.MIN_VALUE;
        }
        return seconds * 1_000_000_000L + instant.getNano();
    }

    // Mixes the high bits of a string's hash into the low ones that pick the cell.
    private static int spread(int hash) {
        int mixed = hash * 0x9E3779B9;
        return mixed ^ (mixed >>> 16);
    }

    @Override
    public synchronized String toString() {
        return "IdempotencyStore[in memory, " + live + " of " + maxKeys + " keys]";
    }
}
