package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.ActionStep;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine side of the webhook-to-row benchmark: a {@link JdkWebhookServer} in front of a
 * {@link RecipeEngine} with the Slack service and one recipe, on every Slack message, whose one
 * step either appends a row to a sheet of a {@link FakeSheetsServer} ({@code sheets}) or runs
 * a no-op action of the benchmark's own ({@code no-op}). The row's columns are the event's
 * {@code event_id}, channel, user and text, in {@code Log!A:D}.
 *
 * <p>It counts the step's successful runs, notes when the latest one ended, and counts
 * retries and dead letters. Not thread-safe to start and close; the counts may be read from
 * any thread.
 */
final class WebhookToRowEngine implements AutoCloseable {

    /** The spreadsheet the rows go to. */
    static final String SPREADSHEET = "1BenchWebhookRows";

    /** The sheet the rows go to. */
    static final String SHEET = "Log";

    /** The range the recipe appends to: event id, channel, user, text. */
    static final String RANGE = SHEET + "!A:D";

    /** The id of the benchmark's own service, whose one action does nothing. */
    static final String NOOP_SERVICE = "bench-noop";

    /** What the recipe's step does. */
    enum Kind {
        /** {@code GoogleSheets.appendRow} to the fake. */
        SHEETS("sheets", "google-sheets"),
        /** A no-op action that only notes the trigger event's id. */
        NOOP("no-op", NOOP_SERVICE);

        private final String label;
        private final String service;

        Kind(String label, String service) {
            this.label = label;
            this.service = service;
        }

        /**
         * Returns the name the report uses.
         *
         * @return {@code sheets} or {@code no-op}
         */
        String label() {
            return label;
        }
    }

    private final Kind kind;
    private final RecipeEngine engine;
    private final JdkWebhookServer server;
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final AtomicLong lastSuccessNanos = new AtomicLong(Long.MIN_VALUE);
    /** The no-op action's trigger event ids, each with how many times it ran. */
    private final Map<String, LongAdder> noopRuns = new ConcurrentHashMap<>();
    /** The first few distinct retry messages, cut short, for the report. */
    private final Set<String> retryReasons = ConcurrentHashMap.newKeySet();

    private WebhookToRowEngine(Kind kind, Secret secret, FakeSheetsServer sheets,
            Settings settings) {
        this.kind = kind;
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(secret))
                .retryPolicy(RetryPolicy.custom().maxAttempts(settings.attempts()).build())
                .listener(new Counting());
        if (kind == Kind.SHEETS) {
            builder.service(new GoogleSheetsService())
                    .config("google-sheets.api-url", sheets.apiUrl())
                    .config("google-sheets.token-url", sheets.tokenUrl())
                    .config("google-sheets.coalesce-delay", settings.coalesceDelay().toString())
                    .config("google-sheets.coalesce-max-rows",
                            String.valueOf(settings.coalesceMaxRows()))
                    .recipe(Recipe.named("message-to-row").when(Slack.message())
                            .then(GoogleSheets.appendRow(SPREADSHEET, RANGE)
                                    .column("/event_id")
                                    .column("/event/channel")
                                    .column("/event/user")
                                    .column("/event/text"))
                            .build());
        } else {
            builder.service(new NoopService(noopRuns))
                    .recipe(Recipe.named("message-to-nothing").when(Slack.message())
                            .then(ActionStep.of(NOOP_SERVICE, "append-nothing").build())
                            .build());
        }
        engine = builder.build();
        if (kind == Kind.SHEETS) {
            engine.connections().put(sheets.newServiceAccount().connection());
        }
        engine.start();
        server = JdkWebhookServer.builder(engine.webhooks())
                .address(new InetSocketAddress("127.0.0.1", 0))
                .start();
    }

    /**
     * Starts an engine whose recipe appends rows to the fake's spreadsheet, creating it there.
     *
     * @param secret the Slack signing secret
     * @param sheets the fake Sheets API
     * @param settings the coalescing and the retries
     * @return the running engine and server
     */
    static WebhookToRowEngine sheets(Secret secret, FakeSheetsServer sheets, Settings settings) {
        sheets.createSpreadsheet(SPREADSHEET, SHEET);
        return new WebhookToRowEngine(Kind.SHEETS, secret, sheets, settings);
    }

    /**
     * Starts an engine whose recipe runs the no-op action.
     *
     * @param secret the Slack signing secret
     * @param settings the retries; the coalescing is not used
     * @return the running engine and server
     */
    static WebhookToRowEngine noop(Secret secret, Settings settings) {
        return new WebhookToRowEngine(Kind.NOOP, secret, null, settings);
    }

    /**
     * Returns what the recipe's step does.
     *
     * @return the kind
     */
    Kind kind() {
        return kind;
    }

    /**
     * Returns where the webhook server listens.
     *
     * @return a loopback address
     */
    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    /**
     * Returns how many times the step succeeded: rows appended, or no-op runs.
     *
     * @return the count
     */
    long succeeded() {
        return succeeded.sum();
    }

    /**
     * Returns when the latest successful step ended.
     *
     * @return a {@link System#nanoTime()} value, or {@link Long#MIN_VALUE} before any
     */
    long lastSuccessNanos() {
        return lastSuccessNanos.get();
    }

    /**
     * Returns how many failed attempts of the step were scheduled to be tried again.
     *
     * @return the count
     */
    long retried() {
        return retried.sum();
    }

    /**
     * Returns how many action requests the engine gave up on.
     *
     * @return the count
     */
    long deadLettered() {
        return deadLettered.sum();
    }

    /**
     * Returns up to a few distinct reasons attempts were retried, each cut to 160 characters.
     *
     * @return the reasons
     */
    List<String> retryReasons() {
        return List.copyOf(retryReasons);
    }

    /**
     * Waits until the engine has handled every event and action so far, retries included.
     *
     * @param wait how long to wait at most
     * @return {@code true} if it became idle in time
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitIdle(Duration wait) throws InterruptedException {
        return engine.awaitIdle(wait);
    }

    /**
     * Returns the no-op action's runs whose trigger event id starts with a prefix.
     *
     * @param prefix such as {@code EvN3-}
     * @return the ids, once per run
     */
    List<String> noopRunsStartingWith(String prefix) {
        List<String> ids = new ArrayList<>();
        noopRuns.forEach((id, count) -> {
            if (id.startsWith(prefix)) {
                for (long i = 0; i < count.sum(); i++) {
                    ids.add(id);
                }
            }
        });
        return ids;
    }

    /** Stops the server, then the engine. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            engine.close();
        }
    }

    /**
     * How the engine is set up.
     *
     * @param coalesceDelay {@code google-sheets.coalesce-delay}
     * @param coalesceMaxRows {@code google-sheets.coalesce-max-rows}
     * @param attempts the retry policy's attempts in all
     */
    record Settings(Duration coalesceDelay, int coalesceMaxRows, int attempts) {
    }

    private final class Counting implements EngineListener {

        @Override
        public void actionSucceeded(ActionAttempt attempt) {
            if (attempt.service().equals(kind.service)) {
                succeeded.increment();
                long now = System.nanoTime();
                lastSuccessNanos.accumulateAndGet(now, Math::max);
            }
        }

        @Override
        public void actionRetried(ActionAttempt attempt, Duration delay, String error) {
            retried.increment();
            if (retryReasons.size() < 4) {
                String reason = error == null ? "" : error;
                retryReasons.add(reason.length() > 160 ? reason.substring(0, 160) + "..."
                        : reason);
            }
        }

        @Override
        public void deadLettered(DeadLetter deadLetter) {
            deadLettered.increment();
        }
    }

    /** A service whose one action, {@code append-nothing}, notes its trigger event's id. */
    private static final class NoopService implements Service {

        private final Map<String, LongAdder> runs;

        NoopService(Map<String, LongAdder> runs) {
            this.runs = runs;
        }

        @Override
        public String id() {
            return NOOP_SERVICE;
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "append-nothing";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    runs.computeIfAbsent(invocation.triggerEventId(), id -> new LongAdder())
                            .increment();
                    return NullNode.getInstance();
                }
            });
        }
    }
}
