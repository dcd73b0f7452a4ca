package dev.stackquery.spring.boot.devtools;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;

import dev.stackquery.QueryCacheEvent;

/**
 * The newest cache events of a client, at most {@code capacity} of them, for the timeline.
 *
 * <p>Lock-free: a writer takes the next sequence number and stores its entry in the slot that number maps to,
 * overwriting the entry {@code capacity} places older. A reader walks back from the newest sequence number and keeps
 * only the entries whose own number is the one it expects in that slot, so that an entry overwritten (or not yet
 * stored) while it reads is skipped rather than shown out of order. Writers never wait for readers or each other.
 */
final class EventLog {

    /** One kept event; {@code event} is what the client sent, or a lighter copy of it (see the recorder). */
    record Entry(long sequence, long timeMillis, QueryCacheEvent event) {
    }

    private final AtomicReferenceArray<Entry> slots;
    private final AtomicLong next = new AtomicLong();

    EventLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.slots = new AtomicReferenceArray<>(capacity);
    }

    int capacity() {
        return slots.length();
    }

    void add(long timeMillis, QueryCacheEvent event) {
        store(new Entry(next.getAndIncrement(), timeMillis, event));
    }

    /**
     * Stores {@code entry} in its slot unless a newer one is there already: a writer descheduled between taking its
     * number and storing must not put back an entry {@code capacity} places older over one that readers expect.
     */
    void store(Entry entry) {
        int slot = slot(entry.sequence());
        Entry current = slots.get(slot);
        while (current == null || current.sequence() < entry.sequence()) {
            if (slots.compareAndSet(slot, current, entry)) {
                return;
            }
            current = slots.get(slot);
        }
    }

    /** The number the next event will take (for tests that store out of turn). */
    long reserve() {
        return next.getAndIncrement();
    }

    /** Events ever added, kept or not. */
    long added() {
        return next.get();
    }

    /** The newest {@code limit} kept entries that {@code wanted} accepts, newest first. */
    List<Entry> newest(Predicate<Entry> wanted, int limit) {
        List<Entry> found = new ArrayList<>(Math.min(limit, 64));
        long end = next.get();
        for (long sequence = end - 1; sequence >= Math.max(0, end - capacity()) && found.size() < limit; sequence--) {
            Entry entry = slots.get(slot(sequence));
            if (entry != null && entry.sequence() == sequence && wanted.test(entry)) {
                found.add(entry);
            }
        }
        return found;
    }

    private int slot(long sequence) {
        return (int) (sequence % slots.length());
    }
}
