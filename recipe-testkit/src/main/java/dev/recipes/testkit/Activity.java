package dev.recipes.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a test engine saw, told by the engine as an {@link EngineListener}: the events services
 * published, each action request and how it went, recipe failures and dead letters.
 * Thread-safe: the engine's threads tell it, the test thread reads snapshots.
 */
final class Activity implements EngineListener {

    /** The most items of each kind kept; a test that makes more sees the first ones. */
    static final int CAPACITY = 10_000;

    private final Clock clock;
    private final List<Event> events = new ArrayList<>();
    private final List<Entry> actions = new ArrayList<>();
    /** The latest request under each idempotency key. */
    private final Map<String, Entry> latest = new HashMap<>();
    private final List<Event> recipeFailures = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final List<String> refusedWebhooks = new ArrayList<>();
    private int dropped;

    Activity(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void eventReceived(Event event) {
        add(events, event);
    }

    @Override
    public synchronized void actionStarted(ActionAttempt attempt) {
        Entry entry = latest.get(attempt.idempotencyKey());
        boolean replayOrNew = entry == null || (attempt.attempt() == 1 && entry.finished());
        if (replayOrNew) {
            entry = open(attempt.recipe(), attempt.service(), attempt.action(),
                    attempt.triggerEventId(), attempt.idempotencyKey(), attempt.params());
        }
        entry.attempts = Math.max(entry.attempts, attempt.attempt());
        entry.status = RecordedAction.Status.RUNNING;
        entry.retryAt = null;
    }

    @Override
    public synchronized void actionSucceeded(ActionAttempt attempt) {
        Entry entry = entryOf(attempt);
        entry.status = RecordedAction.Status.SUCCEEDED;
    }

    @Override
    public synchronized void actionRetried(ActionAttempt attempt, Duration delay, String error) {
        Entry entry = entryOf(attempt);
        entry.errors.add(error);
        entry.status = RecordedAction.Status.WAITING_TO_RETRY;
        entry.retryAt = clock.instant().plus(delay);
    }

    @Override
    public synchronized void actionFailed(ActionAttempt attempt, String error) {
        Entry entry = entryOf(attempt);
        entry.errors.add(error);
        entry.status = RecordedAction.Status.FAILED;
        entry.retryAt = null;
    }

    // A request given up without a failed attempt (the engine closed while it waited) is
    // marked failed here; one that failed was marked by actionFailed already.
    @Override
    public synchronized void deadLettered(DeadLetter letter) {
        add(deadLetters, letter);
        Entry entry = latest.get(letter.idempotencyKey());
        if (entry == null || (entry.finished() && letter.attempts() == 0)) {
            entry = open(letter.recipe(), letter.service(), letter.action(),
                    letter.triggerEventId(), letter.idempotencyKey(), letter.params());
        }
        if (entry.status != RecordedAction.Status.FAILED) {
            entry.errors.add(letter.lastError());
            entry.status = RecordedAction.Status.FAILED;
            entry.retryAt = null;
        }
    }

    /** Records an event the engine published on {@code recipe.failed}. */
    synchronized void recipeFailed(Event failure) {
        add(recipeFailures, failure);
    }

    /**
     * Records a webhook the engine answered with other than 2xx, so that a failure shows why no
     * event came of it.
     */
    synchronized void webhookAnswered(WebhookRequest request, WebhookResponse response) {
        if (response.status() >= 300) {
            add(refusedWebhooks, request.method() + " " + Compact.cut(request.path(), 80)
                    + " -> " + response.status() + " "
                    + Compact.cut(response.bodyText().strip(), Compact.JSON_WIDTH));
        }
    }

    /** Returns what was seen so far. */
    synchronized Seen snapshot() {
        return new Seen(List.copyOf(events), actions.stream().map(Entry::freeze).toList(),
                List.copyOf(recipeFailures), List.copyOf(deadLetters),
                List.copyOf(refusedWebhooks), dropped, clock.instant());
    }

    private Entry open(String recipe, String service, String action, String triggerEventId,
            String key, ObjectNode params) {
        Entry entry = new Entry(recipe, service, action, triggerEventId, key, params);
        add(actions, entry);
        latest.put(key, entry);
        return entry;
    }

    // Told of an attempt it never saw start (the listener came late): recorded from here on.
    private Entry entryOf(ActionAttempt attempt) {
        Entry entry = latest.get(attempt.idempotencyKey());
        if (entry == null) {
            entry = open(attempt.recipe(), attempt.service(), attempt.action(),
                    attempt.triggerEventId(), attempt.idempotencyKey(), attempt.params());
        }
        entry.attempts = Math.max(entry.attempts, attempt.attempt());
        return entry;
    }

    private <T> void add(List<T> list, T item) {
        if (list.size() < CAPACITY) {
            list.add(item);
        } else {
            dropped++;
        }
    }

    /** One action request as it goes; guarded by the activity's lock. */
    private static final class Entry {

        private final String recipe;
        private final String service;
        private final String action;
        private final String triggerEventId;
        private final String key;
        private final ObjectNode params;
        private final List<String> errors = new ArrayList<>();
        private int attempts;
        private RecordedAction.Status status = RecordedAction.Status.RUNNING;
        private Instant retryAt;

        Entry(String recipe, String service, String action, String triggerEventId, String key,
                ObjectNode params) {
            this.recipe = recipe;
            this.service = service;
            this.action = action;
            this.triggerEventId = triggerEventId == null ? "" : triggerEventId;
            this.key = key;
            this.params = params.deepCopy();
        }

        boolean finished() {
            return status == RecordedAction.Status.SUCCEEDED
                    || status == RecordedAction.Status.FAILED;
        }

        RecordedAction freeze() {
            return new RecordedAction(service, action, recipe, triggerEventId, key, params,
                    attempts, status, errors, retryAt);
        }
    }
}
