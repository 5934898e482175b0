package dev.recipes.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * What the soak run reads from its own JVM: the used heap after a full collection, the live
 * threads, the bytes the threads allocated, and a histogram of the heap by class.
 *
 * <p>The allocation is the sum, over the threads alive at both readings, of what each thread
 * allocated between them ({@code com.sun.management.ThreadMXBean}), plus everything allocated
 * by threads started since the last reading. A thread that ended between two readings takes
 * its allocation since the first reading with it, so the figure is a lower bound; the JVM has
 * no total of all threads' allocation without JFR. Not thread-safe: one sampler uses it.
 */
final class SoakProbe {

    private static final Pattern HISTOGRAM_ROW =
            Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final com.sun.management.ThreadMXBean threads;
    private final Map<Long, Long> allocatedByThread = new HashMap<>();

    /**
     * Creates a probe and takes the first allocation reading.
     *
     * @throws IllegalStateException if this JVM cannot count allocation per thread
     */
    SoakProbe() {
        if (!(ManagementFactory.getThreadMXBean()
                instanceof com.sun.management.ThreadMXBean bean)
                || !bean.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("soak run: this JVM does not count the bytes each "
                    + "thread allocates");
        }
        threads = bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        allocatedSinceLastReading();
    }

    /**
     * Runs a full collection a few times and returns the least used heap seen after one.
     *
     * @return bytes of heap in use
     */
    long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /**
     * Returns how many threads are alive in the JVM, daemons included.
     *
     * @return the count
     */
    int liveThreads() {
        return threads.getThreadCount();
    }

    /**
     * Returns the bytes allocated by all threads since the last call, as far as the JVM tells
     * (see the class comment).
     *
     * @return bytes
     */
    long allocatedSinceLastReading() {
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> now = new HashMap<>(ids.length * 2);
        long sum = 0;
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] < 0) {
                continue;
            }
            now.put(ids[i], bytes[i]);
            sum += bytes[i] - allocatedByThread.getOrDefault(ids[i], 0L);
        }
        allocatedByThread.clear();
        allocatedByThread.putAll(now);
        return sum;
    }

    /**
     * Takes a histogram of the live heap by class, as {@code jcmd <pid> GC.class_histogram}
     * does (it runs a full collection first).
     *
     * @return bytes and instances per class name
     * @throws IllegalStateException if the JVM's diagnostic commands cannot be called
     */
    static Map<String, long[]> histogram() {
        String text;
        try {
            text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("soak run: cannot take a class histogram: "
                    + e.getMessage(), e);
        }
        Map<String, long[]> classes = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher row = HISTOGRAM_ROW.matcher(line);
            if (row.matches()) {
                classes.merge(row.group(3),
                        new long[] {Long.parseLong(row.group(2)), Long.parseLong(row.group(1))},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return classes;
    }

    /**
     * Lists the classes whose live bytes changed most between two histograms.
     *
     * @param before the earlier histogram
     * @param after the later histogram
     * @param rows how many classes to list at most
     * @return one line per class: change in bytes and in instances, bytes after, name
     */
    static List<String> histogramGrowth(Map<String, long[]> before, Map<String, long[]> after,
            int rows) {
        record Change(String name, long bytes, long instances, long bytesAfter) {
        }
        List<Change> changes = new ArrayList<>();
        Map<String, long[]> all = new HashMap<>(before);
        after.forEach(all::putIfAbsent);
        for (String name : all.keySet()) {
            long[] b = before.getOrDefault(name, new long[2]);
            long[] a = after.getOrDefault(name, new long[2]);
            changes.add(new Change(name, a[0] - b[0], a[1] - b[1], a[0]));
        }
        changes.sort(Comparator.comparingLong((Change c) -> Math.abs(c.bytes())).reversed());
        List<String> lines = new ArrayList<>();
        for (Change c : changes.subList(0, Math.min(rows, changes.size()))) {
            lines.add(String.format(Locale.ROOT, "%+,14d B %+,11d objects %,14d B  %s",
                    c.bytes(), c.instances(), c.bytesAfter(), c.name()));
        }
        return lines;
    }
}
