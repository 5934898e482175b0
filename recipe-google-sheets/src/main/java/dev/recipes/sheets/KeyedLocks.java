package dev.recipes.sheets;

import dev.recipes.core.spi.ActionException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per key, held only while some thread uses it: work under the same key runs one at
 * a time, work under other keys runs alongside. Thread-safe.
 *
 * @param <K> the key type, with value equality
 */
final class KeyedLocks<K> {

    private final Map<K, Entry> locks = new HashMap<>();

    private static final class Entry {
        private final ReentrantLock lock = new ReentrantLock(true);
        private int users;
    }

    /**
     * Runs work while holding the key's lock.
     *
     * @param key the key
     * @param subject names the work in the error for an interrupted wait
     * @param work the work
     * @param <T> the work's result type
     * @return the work's result
     * @throws ActionException retryable if the thread is interrupted while waiting
     */
    <T> T withLock(K key, String subject, Supplier<T> work) {
        Entry entry;
        synchronized (locks) {
            entry = locks.computeIfAbsent(key, k -> new Entry());
            entry.users++;
        }
        try {
            entry.lock.lockInterruptibly();
        } catch (InterruptedException e) {
            release(key, entry);
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while waiting for "
                    + "another write of the same key", null, e);
        }
        try {
            return work.get();
        } finally {
            entry.lock.unlock();
            release(key, entry);
        }
    }

    /**
     * Returns how many keys have a lock now, for tests.
     *
     * @return the count
     */
    int size() {
        synchronized (locks) {
            return locks.size();
        }
    }

    private void release(K key, Entry entry) {
        synchronized (locks) {
            if (--entry.users == 0) {
                locks.remove(key);
            }
        }
    }
}
