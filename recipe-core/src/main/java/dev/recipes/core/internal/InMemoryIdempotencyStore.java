package dev.recipes.core.internal;

import dev.recipes.core.IdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Remembers keys in insertion order with one expiry for all, so the oldest key is always the
 * first to expire or to be evicted.
 *
 * <p>The keys' characters are copied into one array, and each key's place in it, its hash and
 * its expiry into arrays beside it, in insertion order; an open-addressing table of positions
 * finds them. So the store holds no object per key at all: a busy engine keeps its 100,000 keys
 * for seconds each, and any object per key would be copied by every young collection in
 * between (a linked map with an expiry and the key's own string cost five). Forgotten keys
 * leave their room behind until the arrays fill; then the keys still held are copied into
 * arrays twice their size, so each key is copied a few times at most over its life.
 *
 * <p>Thread-safe: every method holds the store's lock, briefly.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private static final int MIN_SLOTS = 32;
    private static final int MIN_CHARS = 1024;
    private static final int FORGOTTEN = -1;

    private final int maxKeys;
    private final Duration expiry;
    private final Clock clock;
    private final int seed = ThreadLocalRandom.current().nextInt();

    // Slot i holds where its key's characters start, how many there are (FORGOTTEN once the
    // key was released or evicted), its hash and when it expires. Slots from head to tail are
    // in insertion order.
    private int[] starts = new int[MIN_SLOTS];
    private int[] lengths = new int[MIN_SLOTS];
    private int[] hashes = new int[MIN_SLOTS];
    private long[] expiries = new long[MIN_SLOTS];
    private int head;
    private int tail;
    private int live;
    private char[] chars = new char[MIN_CHARS];
    private int charsUsed;
    // Open addressing with linear probing: each cell holds a slot + 1, or 0 when empty. It has
    // at least twice as many cells as there are slots, so it is at most half full.
    private int[] table = new int[2 * MIN_SLOTS];

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
        int hash = hash(key);
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
        int hash = hash(key);
        synchronized (this) {
            int cell = find(key, hash);
            if (cell >= 0) {
                forget(table[cell] - 1, cell);
            }
        }
    }

    // Forgets keys from the oldest while they have expired, with the forgotten slots among them.
    private void forgetExpired(long now) {
        while (head < tail && (lengths[head] == FORGOTTEN || expiries[head] <= now)) {
            forgetHead();
        }
    }

    // Forgets the oldest key still held, and the forgotten slots before it.
    private void forgetOldest() {
        while (lengths[head] == FORGOTTEN) {
            head++;
        }
        forgetHead();
    }

    private void forgetHead() {
        if (lengths[head] != FORGOTTEN) {
            forget(head, cellOf(head));
        }
        head++;
    }

    private void forget(int slot, int cell) {
        removeCell(cell);
        lengths[slot] = FORGOTTEN;
        live--;
    }

    private void add(String key, int hash, long expiresAt) {
        if (tail == starts.length || charsUsed + key.length() > chars.length) {
            rebuild(key.length());
        }
        int slot = tail++;
        starts[slot] = charsUsed;
        lengths[slot] = key.length();
        hashes[slot] = hash;
        expiries[slot] = expiresAt;
        key.getChars(0, key.length(), chars, charsUsed);
        charsUsed += key.length();
        live++;
        place(slot);
    }

    // Copies the keys held, oldest first, to the start of arrays twice as large as they need
    // with room for one more key of the given length, and indexes them again.
    private void rebuild(int more) {
        long heldChars = more;
        for (int slot = head; slot < tail; slot++) {
            heldChars += Math.max(0, lengths[slot]);
        }
        if (2 * heldChars > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("idempotency store: its keys hold over "
                    + (Integer.MAX_VALUE / 2) + " characters");
        }
        int slots = Math.max(MIN_SLOTS, 2 * (live + 1));
        int[] oldStarts = starts;
        int[] oldLengths = lengths;
        int[] oldHashes = hashes;
        long[] oldExpiries = expiries;
        char[] oldChars = chars;
        int oldHead = head;
        int oldTail = tail;
        starts = new int[slots];
        lengths = new int[slots];
        hashes = new int[slots];
        expiries = new long[slots];
        chars = new char[Math.max(MIN_CHARS, (int) (2 * heldChars))];
        table = new int[Integer.highestOneBit(2 * slots - 1) << 1];
        head = 0;
        tail = 0;
        charsUsed = 0;
        for (int old = oldHead; old < oldTail; old++) {
            int length = oldLengths[old];
            if (length != FORGOTTEN) {
                int slot = tail++;
                starts[slot] = charsUsed;
                lengths[slot] = length;
                hashes[slot] = oldHashes[old];
                expiries[slot] = oldExpiries[old];
                System.arraycopy(oldChars, oldStarts[old], chars, charsUsed, length);
                charsUsed += length;
                place(slot);
            }
        }
    }

    private void place(int slot) {
        int mask = table.length - 1;
        int cell = hashes[slot] & mask;
        while (table[cell] != 0) {
            cell = (cell + 1) & mask;
        }
        table[cell] = slot + 1;
    }

    // Returns the table cell of a key, or -1 if the store does not hold it.
    private int find(String key, int hash) {
        int mask = table.length - 1;
        for (int cell = hash & mask; table[cell] != 0; cell = (cell + 1) & mask) {
            int slot = table[cell] - 1;
            if (hashes[slot] == hash && holds(slot, key)) {
                return cell;
            }
        }
        return -1;
    }

    private boolean holds(int slot, String key) {
        if (lengths[slot] != key.length()) {
            return false;
        }
        int start = starts[slot];
        for (int i = 0; i < key.length(); i++) {
            if (chars[start + i] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // Returns the table cell that points at a slot holding a key.
    private int cellOf(int slot) {
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
            // The entry at next may fill the gap if its home is not after the gap.
            if (((next - home) & mask) >= ((next - gap) & mask)) {
                table[gap] = table[next];
                gap = next;
            }
        }
        table[gap] = 0;
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

    // A hash of the key's characters seeded for this store (FNV-1a from a random start), rather
    // than String.hashCode, for which a sender can make any number of keys collide: in an
    // open-addressing table they would all probe one run, and each claim would walk it. Not a
    // keyed cryptographic hash: harder to collide on purpose, not impossible.
    private int hash(String key) {
        int hash = seed;
        for (int i = 0; i < key.length(); i++) {
            hash = (hash ^ key.charAt(i)) * 0x01000193;
        }
        int mixed = (hash ^ (hash >>> 15)) * 0x9E3779B9;
        return mixed ^ (mixed >>> 16);
    }

    @Override
    public synchronized String toString() {
        return "IdempotencyStore[in memory, " + live + " of " + maxKeys + " keys]";
    }
}
