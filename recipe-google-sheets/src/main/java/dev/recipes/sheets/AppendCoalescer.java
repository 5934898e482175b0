package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionOutcome;
import dev.recipes.core.spi.ServiceContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends rows appended to the same place close together as one
 * {@code spreadsheets.values.append} request, and holds a connection's appends back while
 * Google refuses them for its write quota.
 *
 * <p>Rows go together only when their connection, spreadsheet, range, value input option and
 * key column are all the same. The first row of a batch waits up to the coalescing delay for
 * others; the batch is sent when that delay has passed, or it holds the most rows allowed or
 * about 2 MB of JSON (Google's recommended largest request), whichever comes first. Each row
 * still belongs to its own action request: the request that opened the batch sends it, the
 * others wait for the answer, and each gets its own result (its own row of Google's
 * {@code updatedRange}) or its own failure, which the engine retries on its own schedule.
 * Rows that retry together look their idempotency keys up together too: one read of the key
 * column serves all the keys looked up for the same target within the delay.
 *
 * <p>After an append of a connection gets 429 (or a 403 with a rate-limit reason), the
 * connection's appends are held back for Google's {@code Retry-After}, or without one for
 * Google's truncated exponential backoff: {@code min(2^(n-1) s + up to 1 s at random, 64 s)}
 * after the n-th refusal in a row. An append that would go out meanwhile is not sent, nor its
 * key column read: it fails as retryable, with the rest of the hold as its
 * {@code Retry-After}, so that the engine tries it again when the hold ends. When the hold
 * ends, one request goes out first; the others that come before its answer fail the same way,
 * with a wait of 1 to 2 seconds. Its success ends the hold and the count; another refusal
 * holds the connection back for longer.
 *
 * <p>Thread-safe.
 */
final class AppendCoalescer {

    /** Config key: how long the first row of a batch waits for others; 0 turns it off. */
    static final String DELAY_KEY = "coalesce-delay";

    /** Config key: the most rows one request carries. */
    static final String MAX_ROWS_KEY = "coalesce-max-rows";

    /**
     * How long the first row of a batch waits unless configured: zero, so that rows go alone
     * unless coalescing is asked for.
     */
    static final Duration DEFAULT_DELAY = Duration.ZERO;

    /** The most rows of one request unless configured. */
    static final int DEFAULT_MAX_ROWS = 500;

    private static final Duration MAX_DELAY = Duration.ofSeconds(10);
    private static final int LARGEST_MAX_ROWS = 10_000;
    private static final Duration MAX_HOLD = Duration.ofSeconds(64);
    /** Google's recommended largest request, 2 MB, counted in bytes of the rows' JSON. */
    private static final long MAX_BATCH_BYTES = 2_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(AppendCoalescer.class);
    private static final Pattern CELLS = Pattern.compile("([A-Za-z]{1,3})([0-9]{1,7})(?::.*)?");

    private final Duration delay;
    private final int maxRows;
    private final Clock clock;
    // Open batches of rows and of key lookups, by target; both guarded by this.
    private final Map<Target, Batch<ArrayNode, JsonNode>> open = new HashMap<>();
    private final Map<Target, Batch<String, Map<String, Integer>>> lookups = new HashMap<>();
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    // When each target's latest request of the engine's batches went, on System.nanoTime.
    // Limitation: one entry per target ever written to; targets are few per engine.
    private final Map<Target, Long> turns = new ConcurrentHashMap<>();

    /**
     * Where a row goes; rows go together only when all of these are the same.
     *
     * @param connectionId the connection the append runs as
     * @param spreadsheetId the spreadsheet
     * @param range the range sent
     * @param option how Sheets reads the values
     * @param keyColumn the key column, or {@code null}
     */
    record Target(String connectionId, String spreadsheetId, String range,
            ValueInputOption option, String keyColumn) {

        /** Validates. */
        Target {
            Objects.requireNonNull(connectionId, "connectionId");
            Objects.requireNonNull(spreadsheetId, "spreadsheetId");
            Objects.requireNonNull(range, "range");
            Objects.requireNonNull(option, "option");
        }
    }

    /**
     * A connection's appends held back after a quota refusal.
     *
     * @param refusals the refusals in a row
     * @param until when the hold ends
     * @param probing whether the one request that goes out first after the hold is on its way
     */
    private record Hold(int refusals, Instant until, boolean probing) {
    }

    /**
     * Rows waiting to go out together, or keys to be looked up with one read; its state is
     * guarded by the coalescer.
     */
    private static final class Batch<I, A> {

        private final List<I> items = new ArrayList<>();
        private final CompletableFuture<A> answer = new CompletableFuture<>();
        private long bytes;
        private boolean closed;
    }

    /**
     * Creates a coalescer.
     *
     * @param delay how long the first row of a batch waits; zero sends each row alone
     * @param maxRows the most rows of one request, at least 1
     * @param clock the clock quota holds are counted on
     */
    AppendCoalescer(Duration delay, int maxRows, Clock clock) {
        this.delay = delay;
        this.maxRows = maxRows;
        this.clock = clock;
    }

    /**
     * Reads {@code coalesce-delay} (an ISO-8601 duration or milliseconds, 0 to 10 seconds;
     * 0, which sends each row alone, by default) and {@code coalesce-max-rows} (1 to 10,000;
     * 500 by default).
     *
     * @param context the service's context
     * @return the coalescer
     * @throws RecipeException if a value is not valid
     */
    static AppendCoalescer from(ServiceContext context) {
        Duration delay = context.config(DELAY_KEY).map(AppendCoalescer::delay)
                .orElse(DEFAULT_DELAY);
        int maxRows = context.config(MAX_ROWS_KEY).map(AppendCoalescer::maxRows)
                .orElse(DEFAULT_MAX_ROWS);
        return new AppendCoalescer(delay, maxRows, context.clock());
    }

    /**
     * Returns how many append requests of one recipe should run at once, so that enough rows
     * can wait together: the most rows of a batch, up to the engine's cap, or 1 when
     * coalescing is off.
     *
     * @return the concurrency for {@link Action#concurrency()}
     */
    int concurrency() {
        return delay.isZero() ? 1 : Math.min(maxRows, Action.MAX_CONCURRENCY);
    }

    /**
     * Returns how many append requests of one recipe the engine may hand over at once: the
     * most rows of a request, or 1 when coalescing is off.
     *
     * @return the batch size for {@link Action#maxBatch()}
     */
    int maxBatch() {
        return delay.isZero() ? 1 : maxRows;
    }

    /**
     * Returns the coalescing delay.
     *
     * @return the delay; zero when coalescing is off
     */
    Duration delay() {
        return delay;
    }

    /**
     * Sends rows that the engine handed over together (see {@link Action#maxBatch()}) in as
     * few requests as the limits allow, each no sooner than the coalescing delay after the
     * previous one to the same target: the rows that come meanwhile make the next batch, so
     * that a steady stream of rows into one place costs one request per delay.
     *
     * @param target where the rows go
     * @param rows the rows, complete with their key cells if any
     * @param subject what is being done, starting each error message
     * @param send sends rows as one request and returns Google's {@code updates}
     * @return one outcome per row, in order: its share of Google's {@code updates}, or its own
     *     copy of its request's failure
     */
    List<ActionOutcome> appendTogether(Target target, List<ArrayNode> rows, String subject,
            Function<List<ArrayNode>, JsonNode> send) {
        List<ActionOutcome> outcomes = new ArrayList<>(rows.size());
        int from = 0;
        while (from < rows.size()) {
            int to = from;
            long bytes = 0;
            while (to < rows.size() && to - from < maxRows) {
                long size = jsonBytes(rows.get(to));
                if (to > from && bytes + size > MAX_BATCH_BYTES) {
                    break;
                }
                bytes += size;
                to++;
            }
            List<ArrayNode> chunk = rows.subList(from, to);
            try {
                awaitTurn(target);
                JsonNode updates = sendChecked(target, chunk, subject, send);
                for (int i = 0; i < chunk.size(); i++) {
                    outcomes.add(ActionOutcome.succeeded(chunk.size() == 1 ? updates
                            : rowOf(updates, i, chunk.get(i), target)));
                }
            } catch (RuntimeException e) {
                for (int i = 0; i < chunk.size(); i++) {
                    outcomes.add(ActionOutcome.failed((ActionException) ownFailure(e, subject)));
                }
            }
            from = to;
        }
        return outcomes;
    }

    /**
     * Looks several keys up in the key column with one read, for rows the engine handed over
     * together.
     *
     * @param target where the rows go; its key column is read
     * @param keys the keys
     * @param subject what is being done, starting each error message
     * @param read reads the key column once and returns the row number of each key found
     * @return the row number of each key found
     * @throws ActionException the read's failure; retryable without reading while the
     *     connection's appends are held back for its quota
     */
    Map<String, Integer> findKeysTogether(Target target, Set<String> keys, String subject,
            Function<Set<String>, Map<String, Integer>> read) {
        checkHeld(target, subject);
        return read.apply(keys);
    }

    // Waits until the coalescing delay has passed since this target's previous request, so
    // that one target gets at most one request per delay from the batches of the engine.
    private void awaitTurn(Target target) {
        if (delay.isZero()) {
            return;
        }
        long now = System.nanoTime();
        long[] wait = new long[1];
        turns.compute(target, (key, previous) -> {
            long next = previous == null ? now : Math.max(now, previous + delay.toNanos());
            wait[0] = next - now;
            return next;
        });
        if (wait[0] > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait[0]);
            } catch (InterruptedException e) {
                // The engine is stopping: the rows go now.
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Appends one row, with other rows for the same target when they come close together.
     *
     * @param target where the row goes
     * @param row the row, complete with its key cell if any
     * @param subject what is being done, starting each error message
     * @param send sends rows as one request and returns Google's {@code updates}; it throws
     *     {@link ActionException} when the request fails
     * @return Google's {@code updates} when the row went alone; otherwise this row's share of
     *     them: {@code spreadsheetId}, {@code updatedRange} (its own row), {@code updatedRows},
     *     {@code updatedColumns} and {@code updatedCells}
     * @throws ActionException the request's failure, as this row's own exception; retryable
     *     without sending anything while the connection is held back for its quota
     */
    JsonNode append(Target target, ArrayNode row, String subject,
            Function<List<ArrayNode>, JsonNode> send) {
        if (delay.isZero()) {
            return sendChecked(target, List.of(row), subject, send);
        }
        checkHeld(target, subject);
        long bytes = jsonBytes(row);
        Batch<ArrayNode, JsonNode> batch;
        int index;
        boolean first;
        synchronized (this) {
            batch = open.get(target);
            if (batch != null && batch.bytes + bytes > MAX_BATCH_BYTES) {
                close(open, target, batch);
                batch = null;
            }
            first = batch == null;
            if (first) {
                batch = new Batch<>();
                open.put(target, batch);
            }
            index = join(open, target, batch, row, bytes);
        }
        if (first) {
            awaitClosing(open, target, batch);
            sendBatch(target, batch, subject, send);
        }
        return share(target, batch, index, row, subject);
    }

    /**
     * Looks for a row's idempotency key in the key column, with the keys of other rows for the
     * same target that are looked up close together, in one read.
     *
     * @param target where the row goes; its key column is read
     * @param key the key
     * @param subject what is being done, starting each error message
     * @param read reads the key column once and returns the row number of each key found
     * @return the row number (from 1) holding the key, or empty
     * @throws ActionException the read's failure, as this row's own exception; retryable
     *     without reading while the connection's appends are held back for its quota
     */
    OptionalInt findKey(Target target, String key, String subject,
            Function<Set<String>, Map<String, Integer>> read) {
        checkHeld(target, subject);
        if (delay.isZero()) {
            return row(read.apply(Set.of(key)).get(key));
        }
        Batch<String, Map<String, Integer>> batch;
        boolean first;
        synchronized (this) {
            batch = lookups.get(target);
            first = batch == null;
            if (first) {
                batch = new Batch<>();
                lookups.put(target, batch);
            }
            join(lookups, target, batch, key, 0);
        }
        if (first) {
            awaitClosing(lookups, target, batch);
            List<String> keys;
            synchronized (this) {
                keys = List.copyOf(batch.items);
            }
            try {
                batch.answer.complete(read.apply(Set.copyOf(keys)));
            } catch (RuntimeException | Error e) {
                batch.answer.completeExceptionally(e);
            }
        }
        try {
            return row(batch.answer.join().get(key));
        } catch (CompletionException e) {
            throw ownFailure(e.getCause(), subject);
        }
    }

    // A row's size in the request body: its JSON in UTF-8, and the comma before it.
    private static long jsonBytes(ArrayNode row) {
        return row.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1L;
    }

    private static OptionalInt row(Integer number) {
        return number == null ? OptionalInt.empty() : OptionalInt.of(number);
    }

    /** Adds an item to an open batch, closing it when full; returns the item's index. */
    private <I> int join(Map<Target, ? extends Batch<I, ?>> batches, Target target,
            Batch<I, ?> batch, I item, long bytes) {
        int index = batch.items.size();
        batch.items.add(item);
        batch.bytes += bytes;
        if (batch.items.size() >= maxRows) {
            close(batches, target, batch);
        }
        return index;
    }

    private void close(Map<Target, ? extends Batch<?, ?>> batches, Target target,
            Batch<?, ?> batch) {
        batches.remove(target, batch);
        batch.closed = true;
        notifyAll();
    }

    /** Waits, as the batch's first item, until the batch is full or the delay has passed. */
    private synchronized void awaitClosing(Map<Target, ? extends Batch<?, ?>> batches,
            Target target, Batch<?, ?> batch) {
        long deadline = System.nanoTime() + delay.toNanos();
        try {
            for (long left = delay.toNanos(); !batch.closed && left > 0;
                    left = deadline - System.nanoTime()) {
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            // The engine is stopping: the batch goes now, and the send reports the interrupt.
            Thread.currentThread().interrupt();
        }
        if (!batch.closed) {
            close(batches, target, batch);
        }
    }

    private void sendBatch(Target target, Batch<ArrayNode, JsonNode> batch, String subject,
            Function<List<ArrayNode>, JsonNode> send) {
        List<ArrayNode> rows;
        synchronized (this) {
            rows = List.copyOf(batch.items);
        }
        try {
            if (rows.size() > 1) {
                LOG.debug("{}: sending {} rows as one append", subject, rows.size());
            }
            batch.answer.complete(sendChecked(target, rows, subject, send));
        } catch (RuntimeException | Error e) {
            batch.answer.completeExceptionally(e);
        }
    }

    private JsonNode sendChecked(Target target, List<ArrayNode> rows, String subject,
            Function<List<ArrayNode>, JsonNode> send) {
        boolean probe = pass(target, subject);
        try {
            JsonNode updates = send.apply(rows);
            // A request sent before a hold began does not end it; the one sent after it does.
            Instant now = clock.instant();
            holds.computeIfPresent(target.connectionId(), (id, hold) ->
                    probe || !now.isBefore(hold.until()) ? null : hold);
            return updates;
        } catch (ActionException e) {
            if (isQuotaRefusal(e, subject)) {
                hold(target.connectionId(), e.retryAfter().orElse(null));
            } else if (probe) {
                holds.computeIfPresent(target.connectionId(), (id, hold) ->
                        new Hold(hold.refusals(), hold.until(), false));
            }
            throw e;
        } catch (RuntimeException | Error e) {
            if (probe) {
                holds.computeIfPresent(target.connectionId(), (id, hold) ->
                        new Hold(hold.refusals(), hold.until(), false));
            }
            throw e;
        }
    }

    /** This row's outcome: its share of the answer, or its own copy of the failure. */
    private JsonNode share(Target target, Batch<ArrayNode, JsonNode> batch, int index,
            ArrayNode row, String subject) {
        JsonNode updates;
        int size;
        try {
            updates = batch.answer.join();
            synchronized (this) {
                size = batch.items.size();
            }
        } catch (CompletionException e) {
            throw ownFailure(e.getCause(), subject);
        }
        return size == 1 ? updates : rowOf(updates, index, row, target);
    }

    private static RuntimeException ownFailure(Throwable failure, String subject) {
        if (failure instanceof ActionException e) {
            return e.retryable() ? ActionException.retryable(e.getMessage(),
                    e.retryAfter().orElse(null), e.getCause())
                    : ActionException.permanent(e.getMessage(), e.getCause());
        }
        return ActionException.permanent(subject + ": sending the rows failed with "
                + failure.getClass().getName(), failure);
    }

    /**
     * Cuts one row out of a batch's {@code updates}: Google's {@code updatedRange} starts at
     * the table's first column and the first new row, and the rows follow in the order sent.
     */
    private static JsonNode rowOf(JsonNode updates, int index, ArrayNode row, Target target) {
        String range = updates.path("updatedRange").asText("");
        int bang = range.lastIndexOf('!');
        Matcher cells = CELLS.matcher(range.substring(bang + 1));
        if (bang < 0 || !cells.matches()) {
            LOG.warn("Append to spreadsheet '{}' range '{}': Google's answer has no readable "
                    + "updatedRange; each row of the request gets the whole answer",
                    target.spreadsheetId(), target.range());
            return updates.deepCopy();
        }
        String first = cells.group(1).toUpperCase(Locale.ROOT);
        long number = Long.parseLong(cells.group(2)) + index;
        String last = A1Range.columnLetters(A1Range.columnIndex(first) + row.size() - 1);
        ObjectNode own = JsonNodeFactory.instance.objectNode();
        if (updates.hasNonNull("spreadsheetId")) {
            own.set("spreadsheetId", updates.get("spreadsheetId"));
        }
        return own.put("updatedRange", range.substring(0, bang) + "!" + first + number + ":"
                        + last + number)
                .put("updatedRows", 1)
                .put("updatedColumns", row.size())
                .put("updatedCells", row.size());
    }

    /** Fails at once, before waiting for other rows, while the connection is held back. */
    private void checkHeld(Target target, String subject) {
        Hold hold = holds.get(target.connectionId());
        if (hold != null && clock.instant().isBefore(hold.until())) {
            throw held(target, hold, subject);
        }
    }

    /**
     * Lets a request go out unless its connection is held back: during a hold none goes, and
     * after it only one until its answer comes.
     *
     * @return {@code true} if this request is the one that goes out first after a hold
     * @throws ActionException retryable, if the request may not go out now
     */
    private boolean pass(Target target, String subject) {
        boolean[] probe = new boolean[1];
        Hold[] refused = new Hold[1];
        Instant now = clock.instant();
        holds.computeIfPresent(target.connectionId(), (id, hold) -> {
            if (now.isBefore(hold.until()) || hold.probing()) {
                refused[0] = hold;
                return hold;
            }
            probe[0] = true;
            return new Hold(hold.refusals(), hold.until(), true);
        });
        if (refused[0] != null) {
            throw held(target, refused[0], subject);
        }
        return probe[0];
    }

    private ActionException held(Target target, Hold hold, String subject) {
        Duration left = Duration.between(clock.instant(), hold.until());
        boolean ended = left.isNegative() || left.isZero();
        Duration wait = ended ? backoff(1) : left;
        return ActionException.retryable(subject + ": not sent: Google refused "
                + hold.refusals() + " append(s) of connection '" + target.connectionId()
                + "' in a row for its quota; holding its appends back for " + wait
                + (ended ? " while one tries first" : ""), wait, null);
    }

    private void hold(String connectionId, Duration retryAfter) {
        Instant now = clock.instant();
        Hold next = holds.compute(connectionId, (id, previous) -> {
            if (previous != null && now.isBefore(previous.until())) {
                // A request sent before the hold began: the same refusal, unless Google asks
                // for a longer wait.
                Instant asked = retryAfter == null ? null : now.plus(retryAfter);
                return asked == null || !asked.isAfter(previous.until()) ? previous
                        : new Hold(previous.refusals(), asked, previous.probing());
            }
            int refusals = previous == null ? 1 : previous.refusals() + 1;
            Duration wait = retryAfter != null ? retryAfter : backoff(refusals);
            return new Hold(refusals, now.plus(wait), false);
        });
        LOG.warn("Google refused an append of connection '{}' for its quota ({} in a row); "
                + "holding its appends back until {}", connectionId, next.refusals(),
                next.until());
    }

    /**
     * Google's truncated exponential backoff after the n-th refusal in a row:
     * {@code min(2^(n-1) s + a random 0 to 1,000 ms, 64 s)}.
     *
     * @param refusals the refusals in a row, at least 1
     * @return the wait
     */
    static Duration backoff(int refusals) {
        long seconds = 1L << Math.min(refusals - 1, 6);
        Duration wait = Duration.ofSeconds(seconds)
                .plusMillis(ThreadLocalRandom.current().nextLong(1001));
        return wait.compareTo(MAX_HOLD) > 0 ? MAX_HOLD : wait;
    }

    // SheetsCall classifies answers but does not say which status it saw; its message does,
    // right after the subject, and a retryable 403 is always a rate limit.
    private static boolean isQuotaRefusal(ActionException e, String subject) {
        String message = e.getMessage();
        String answered = subject + ": Google answered ";
        return e.retryable() && message != null && (message.startsWith(answered + "429")
                || message.startsWith(answered + "403"));
    }

    private static Duration delay(String value) {
        String text = value.strip();
        Duration parsed;
        try {
            parsed = !text.isEmpty() && text.chars().allMatch(Character::isDigit)
                    ? Duration.ofMillis(Long.parseLong(text)) : Duration.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            parsed = null;
        }
        if (parsed == null || parsed.isNegative() || parsed.compareTo(MAX_DELAY) > 0) {
            throw new RecipeException("config 'google-sheets." + DELAY_KEY + "': '" + value
                    + "' is not a duration from 0 to 10 seconds, such as 'PT0.25S' or '250' "
                    + "(milliseconds); 0 sends each row alone");
        }
        return parsed;
    }

    private static int maxRows(String value) {
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= 1 && parsed <= LARGEST_MAX_ROWS) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RecipeException("config 'google-sheets." + MAX_ROWS_KEY + "': '" + value
                + "' is not a number of rows from 1 to " + LARGEST_MAX_ROWS + ", such as '500'");
    }

    @Override
    public String toString() {
        return "AppendCoalescer[delay " + delay + ", at most " + maxRows + " rows]";
    }
}
