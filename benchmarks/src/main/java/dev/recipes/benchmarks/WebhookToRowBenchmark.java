package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.benchmarks.WebhookToRowEngine.Kind;
import dev.recipes.benchmarks.WebhookToRowEngine.Settings;
import dev.recipes.core.Secret;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.RecordedRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Signed Slack {@code message} webhooks turned into rows of a Google sheet, end to end: the
 * {@code JdkWebhookServer}, a {@code RecipeEngine} with the Slack and Google Sheets services
 * and one recipe, {@code Slack.message()} to {@code GoogleSheets.appendRow(sheet, "Log!A:D")},
 * and the testkit's {@link FakeSheetsServer} as Google, over loopback HTTP; everything runs in
 * this one JVM ({@link WebhookToRowEngine}).
 *
 * <p>Two phases:
 * <ul>
 *   <li><b>Throughput</b>: a closed-loop driver ({@link LoadDriver}) sends batches of
 *       deliveries; a round's rate counts the deliveries answered 200 from the first request
 *       until the last of their rows is in the fake (its append answered), against the same
 *       engine whose recipe runs a no-op action instead. The fake has no quota here, so that
 *       the engine, not the quota, sets the pace. Rounds alternate between the two.</li>
 *   <li><b>Quota</b>: an open-loop driver ({@link PacedSender}) sends a steady rate (1,000 a
 *       second by default) into one sheet for a while, with the fake's write quota at
 *       Google's per-user limit (60 a minute) and again without a quota; it reports the write
 *       requests the fake saw in each minute, the 429s, the rows and how many rows each
 *       request carried. Whether the busiest minute stayed within Google's limit is reported,
 *       never asserted.</li>
 * </ul>
 *
 * <p>Every phase checks the sheet against the deliveries answered 200, by the event id in
 * column A: each must be there exactly once (after the quota phase, unless the engine gave it
 * up to its dead letters or was still retrying it when the phase ended).
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.recipes.benchmarks.WebhookToRowBenchmark
 * }</pre>
 */
public final class WebhookToRowBenchmark {

    /** Google's write requests per minute per user per project, the ceiling for one account. */
    static final int GOOGLE_WRITES_PER_MINUTE = 60;

    private static final Duration IDLE_WAIT = Duration.ofSeconds(120);
    /**
     * The coalescing delay of the throughput rounds, which have no quota: short, so that the
     * rows are sent as fast as they come, in batches of what waited meanwhile. The quota runs
     * use the configured delay, which caps one sheet at its rows per delay.
     */
    static final Duration THROUGHPUT_DELAY = Duration.ofMillis(50);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final PrintStream log;
    private final Secret secret = Secret.of(newSecret());
    private final Settings settings;
    private final Settings throughputSettings;

    private WebhookToRowBenchmark(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
        this.settings = new Settings(options.coalesceDelay(), options.coalesceMaxRows(),
                options.attempts());
        this.throughputSettings = new Settings(THROUGHPUT_DELAY, options.coalesceMaxRows(),
                options.attempts());
    }

    /**
     * Runs the benchmark and prints its summary; exits with status 1 if a row was written
     * twice or an accepted event is neither in the sheet, nor dead-lettered, nor still being
     * retried, and with status 2, saying why, if an option is wrong.
     *
     * @param args options as {@code --name=value}; see {@link Options#parse(String[])}
     * @throws Exception if a server cannot start
     */
    public static void main(String[] args) throws Exception {
        Options options = CommandLine.options("webhook-to-row benchmark", args, Options::parse);
        // Each delivery shed with 503 is a WARN line of the engine, and each row still
        // waiting for a retry when a quota run's engine closes an ERROR line of its action
        // runner: tens of thousands. The summary counts both.
        quiet("dev.recipes.core.RecipeEngine", "error");
        quiet("dev.recipes.core.internal.ActionRunner", "off");
        Report report = run(options, System.out);
        System.out.println();
        System.out.print(report.summary());
        if (report.faults() > 0) {
            System.exit(1);
        }
    }

    /**
     * Runs both phases, logging each round as it ends.
     *
     * @param options the sizes of the run
     * @param log where rounds are logged
     * @return everything measured
     * @throws InterruptedException if interrupted
     */
    static Report run(Options options, PrintStream log) throws InterruptedException {
        return new WebhookToRowBenchmark(options, log).run();
    }

    private Report run() throws InterruptedException {
        String loadBefore = loadAverage();
        List<Round> rounds = new ArrayList<>();
        try (FakeSheetsServer fake = FakeSheetsServer.start();
                WebhookToRowEngine sheets = WebhookToRowEngine.sheets(secret, fake,
                        throughputSettings);
                WebhookToRowEngine noop = WebhookToRowEngine.noop(secret, throughputSettings)) {
            List<WebhookToRowEngine> engines = List.of(sheets, noop);
            for (WebhookToRowEngine engine : engines) {
                Round warm = round(engine, fake, "W", options.warmup());
                log.printf(Locale.ROOT, "warmup: %s%n", warm.describe());
            }
            for (int round = 1; round <= options.rounds(); round++) {
                for (int turn = 0; turn < engines.size(); turn++) {
                    WebhookToRowEngine engine = engines.get((round - 1 + turn) % engines.size());
                    Round measured = round(engine, fake, String.valueOf(round),
                            options.events());
                    rounds.add(measured);
                    log.printf(Locale.ROOT, "round %d: %s%n", round, measured.describe());
                }
            }
        }
        List<QuotaRun> quotaRuns = new ArrayList<>();
        for (int quota : options.writeQuotas()) {
            QuotaRun run = quotaRun(quota);
            quotaRuns.add(run);
            log.printf(Locale.ROOT, "quota: %s%n", run.describe());
        }
        return new Report(options, rounds, quotaRuns, loadBefore, loadAverage());
    }

    private Round round(WebhookToRowEngine engine, FakeSheetsServer fake, String name, int count)
            throws InterruptedException {
        String prefix = "Ev" + (engine.kind() == Kind.SHEETS ? "S" : "N") + name;
        SlackRequests requests = SlackRequests.sign(secret, prefix, count, Instant.now());
        int appendsBefore = fake.appendRequests();
        long retriedBefore = engine.retried();
        long start = System.nanoTime();
        LoadDriver.Outcome outcome = new LoadDriver(engine.address(), options.connections())
                .send(requests);
        boolean idle = engine.awaitIdle(IDLE_WAIT);
        long end = Math.max(engine.lastSuccessNanos(), start + outcome.elapsedNanos());
        Set<String> accepted = accepted(requests, outcome.statuses());
        Check check = engine.kind() == Kind.SHEETS
                ? Check.of(sheetIds(fake, prefix), accepted)
                : Check.of(engine.noopRunsStartingWith(prefix + "-"), accepted);
        Appends appends = engine.kind() == Kind.SHEETS
                ? Appends.of(fake, fake.appendRequests() - appendsBefore) : Appends.NONE;
        return new Round(engine.kind().label(), name, count, outcome.count(200),
                outcome.count(503), outcome.count(LoadDriver.DROPPED), outcome.elapsedNanos(),
                end - start, idle, check, appends, engine.retried() - retriedBefore);
    }

    private QuotaRun quotaRun(int quota) throws InterruptedException {
        int count = Math.multiplyExact(options.rate(), options.seconds());
        SlackRequests requests = SlackRequests.sign(secret, "EvQ" + quota, count,
                Instant.now());
        FakeSheetsServer.Builder builder = FakeSheetsServer.builder();
        if (quota > 0) {
            builder.writeQuotaPerMinute(quota);
        }
        List<Sample> samples = new CopyOnWriteArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "webhook-to-row-sampler");
            thread.setDaemon(true);
            return thread;
        });
        try (FakeSheetsServer fake = builder.start();
                WebhookToRowEngine engine = WebhookToRowEngine.sheets(secret, fake, settings)) {
            long start = System.nanoTime();
            sampler.scheduleAtFixedRate(() -> samples.add(Sample.of(start, fake, engine)), 0,
                    1, TimeUnit.SECONDS);
            PacedSender.Outcome outcome = new PacedSender(engine.address())
                    .send(requests, options.rate());
            long loadEnd = System.nanoTime();
            boolean idle = engine.awaitIdle(options.drain());
            long drained = System.nanoTime();
            sampler.shutdownNow();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
            samples.add(Sample.of(start, fake, engine));
            Set<String> accepted = accepted(requests, outcome.statuses());
            Check check = Check.of(sheetIds(fake, "EvQ" + quota), accepted);
            Appends appends = Appends.of(fake, fake.appendRequests());
            long lastRow = engine.lastSuccessNanos();
            return new QuotaRun(quota, options.rate(), options.seconds(), count,
                    outcome.count(200), outcome.count(503), outcome.count(PacedSender.DROPPED),
                    outcome.maxLagNanos(), fake.appendRequests(), fake.quotaRefusals(), check,
                    appends, engine.retried(), engine.deadLettered(), idle,
                    (loadEnd - start), (drained - start),
                    lastRow == Long.MIN_VALUE ? 0 : lastRow - start, minutes(samples),
                    engine.retryReasons());
        } finally {
            sampler.shutdownNow();
        }
    }

    private static Set<String> accepted(SlackRequests requests, int[] statuses) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < statuses.length; i++) {
            if (statuses[i] == 200) {
                ids.add(requests.eventId(i));
            }
        }
        return ids;
    }

    // Column A of the rows whose event id starts with the prefix, in sheet order.
    private static List<String> sheetIds(FakeSheetsServer fake, String prefix) {
        List<String> ids = new ArrayList<>();
        for (List<Object> row : fake.rows(WebhookToRowEngine.SPREADSHEET,
                WebhookToRowEngine.SHEET)) {
            String id = row.isEmpty() ? "" : String.valueOf(row.get(0));
            if (id.startsWith(prefix + "-")) {
                ids.add(id);
            }
        }
        return ids;
    }

    // Per minute from the first request: the difference between the last samples at or before
    // each minute's end; the last minute may be shorter.
    private static List<Minute> minutes(List<Sample> samples) {
        List<Minute> minutes = new ArrayList<>();
        Sample last = samples.get(samples.size() - 1);
        Sample from = new Sample(0, 0, 0, 0, 0);
        for (long end = 60_000_000_000L; from.nanos() < last.nanos(); end += 60_000_000_000L) {
            Sample to = from;
            for (Sample sample : samples) {
                if (sample.nanos() <= end && sample.nanos() >= to.nanos()) {
                    to = sample;
                }
            }
            if (to == from) {
                to = last;
            }
            int writes = to.appends() - from.appends();
            int refused = to.refusals() - from.refusals();
            minutes.add(new Minute(minutes.size() + 1, (to.nanos() - from.nanos()) / 1e9,
                    writes - refused, refused, to.rows() - from.rows(),
                    to.dead() - from.dead()));
            from = to;
        }
        return minutes;
    }

    private static void quiet(String logger, String level) {
        String key = "org.slf4j.simpleLogger.log." + logger;
        if (System.getProperty(key) == null) {
            System.setProperty(key, level);
        }
    }

    private static String newSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * The sizes of a run.
     *
     * @param events deliveries per throughput round
     * @param rounds throughput rounds per engine
     * @param warmup deliveries each engine gets before the rounds
     * @param connections the closed-loop driver's connections
     * @param rate deliveries per second in the quota phase
     * @param seconds how long the quota phase sends
     * @param writeQuotas the fake's write quota per minute in each quota run; 0 for none
     * @param drain how long a quota run waits, after sending, for the engine to finish
     * @param coalesceDelay {@code google-sheets.coalesce-delay}
     * @param coalesceMaxRows {@code google-sheets.coalesce-max-rows}
     * @param attempts the retry policy's attempts in all
     */
    record Options(int events, int rounds, int warmup, int connections, int rate, int seconds,
            List<Integer> writeQuotas, Duration drain, Duration coalesceDelay,
            int coalesceMaxRows, int attempts) {

        /**
         * Three rounds of 20,000 per engine on 16 connections after 10,000 to warm up; 1,000
         * a second for 60 seconds with the fake's quota at 60 and without one, each given up
         * to 3 minutes to finish; one append per place per 1.1 seconds at most (54 a minute), of
         * up to 2,000 rows (1,100 come in 1.1 seconds at 1,000 a second); 10 attempts.
         */
        static final Options DEFAULTS = new Options(20_000, 3, 10_000, 16, 1_000, 60,
                List.of(GOOGLE_WRITES_PER_MINUTE, 0), Duration.ofMinutes(3),
                Duration.ofMillis(1100), 2_000, 10);

        /** Copies the list of quotas and checks the sizes. */
        public Options {
            writeQuotas = List.copyOf(writeQuotas);
            if (events < 1 || rounds < 1 || warmup < 1 || connections < 1 || rate < 1
                    || seconds < 1 || attempts < 1) {
                throw new IllegalArgumentException("webhook-to-row benchmark: every count "
                        + "must be at least 1");
            }
            // The deliveries are all signed before they are sent, and Slack's signatures are
            // good for five minutes.
            if (seconds > 240) {
                throw new IllegalArgumentException("webhook-to-row benchmark: --seconds="
                        + seconds + " is over 240; signatures would go stale while sending");
            }
            if (writeQuotas.stream().anyMatch(q -> q < 0)) {
                throw new IllegalArgumentException("webhook-to-row benchmark: a write quota "
                        + "is negative");
            }
        }

        /**
         * Reads options from {@code --events=N}, {@code --rounds=N}, {@code --warmup=N},
         * {@code --connections=N}, {@code --rate=N}, {@code --seconds=N},
         * {@code --write-quotas=N,N} (0 for none), {@code --drain=N} (seconds),
         * {@code --coalesce-delay=D} (as {@code google-sheets.coalesce-delay}: ISO-8601 or
         * milliseconds), {@code --coalesce-max-rows=N} and {@code --attempts=N}; what is not
         * given keeps its default.
         *
         * @param args the arguments
         * @return the options
         * @throws IllegalArgumentException if an argument is unknown or not a number
         */
        static Options parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (String arg : args) {
                String[] pair = arg.split("=", 2);
                if (pair.length != 2 || !pair[0].startsWith("--")) {
                    throw new IllegalArgumentException("webhook-to-row benchmark: option '"
                            + arg + "' is not --name=value");
                }
                given.put(pair[0].substring(2), pair[1]);
            }
            Options d = DEFAULTS;
            Options options = new Options(
                    number(given.remove("events"), d.events),
                    number(given.remove("rounds"), d.rounds),
                    number(given.remove("warmup"), d.warmup),
                    number(given.remove("connections"), d.connections),
                    number(given.remove("rate"), d.rate),
                    number(given.remove("seconds"), d.seconds),
                    given.containsKey("write-quotas") ? Arrays.stream(
                            given.remove("write-quotas").split(",")).map(String::strip)
                            .map(Integer::valueOf).toList() : d.writeQuotas,
                    given.containsKey("drain") ? Duration.ofSeconds(
                            Long.parseLong(given.remove("drain"))) : d.drain,
                    given.containsKey("coalesce-delay") ? delay(given.remove("coalesce-delay"))
                            : d.coalesceDelay,
                    number(given.remove("coalesce-max-rows"), d.coalesceMaxRows),
                    number(given.remove("attempts"), d.attempts));
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("webhook-to-row benchmark: unknown option(s) "
                        + given.keySet());
            }
            return options;
        }

        private static int number(String value, int otherwise) {
            return value == null ? otherwise : Integer.parseInt(value.strip());
        }

        private static Duration delay(String value) {
            String text = value.strip();
            return text.chars().allMatch(Character::isDigit) && !text.isEmpty()
                    ? Duration.ofMillis(Long.parseLong(text)) : Duration.parse(text);
        }
    }

    /**
     * The sheet (or the no-op action's runs) checked against the deliveries answered 200.
     *
     * @param rows the rows (or runs) of the batch's event ids
     * @param missing accepted ids with no row
     * @param duplicates rows beyond the first for an id
     * @param unexpected rows of ids that were not answered 200
     */
    record Check(int rows, int missing, int duplicates, int unexpected) {

        static Check of(List<String> ids, Set<String> accepted) {
            Map<String, Integer> counts = new HashMap<>();
            ids.forEach(id -> counts.merge(id, 1, Integer::sum));
            int duplicates = counts.values().stream().mapToInt(c -> c - 1).sum();
            int missing = (int) accepted.stream().filter(id -> !counts.containsKey(id)).count();
            int unexpected = (int) counts.keySet().stream().filter(id -> !accepted.contains(id))
                    .count();
            return new Check(ids.size(), missing, duplicates, unexpected);
        }

        String describe() {
            return String.format(Locale.ROOT, "rows %d, missing %d, duplicated %d, "
                    + "unexpected %d", rows, missing, duplicates, unexpected);
        }
    }

    /**
     * The append requests of a round or run, from the fake's record of its latest requests.
     *
     * @param requests how many append requests arrived
     * @param counted how many of them the fake still held a record of
     * @param maxRows the most rows one carried
     * @param meanRows the rows per request, on average, over those counted
     */
    record Appends(int requests, int counted, int maxRows, double meanRows) {

        static final Appends NONE = new Appends(0, 0, 0, 0);

        static Appends of(FakeSheetsServer fake, int latest) {
            List<RecordedRequest> appends = fake.requests().stream()
                    .filter(RecordedRequest::isAppend).toList();
            List<RecordedRequest> mine = appends.subList(Math.max(0, appends.size() - latest),
                    appends.size());
            int max = 0;
            long rows = 0;
            for (RecordedRequest request : mine) {
                int size;
                try {
                    JsonNode values = JSON.readTree(request.body()).path("values");
                    size = values.size();
                } catch (IOException e) {
                    size = 0;
                }
                max = Math.max(max, size);
                rows += size;
            }
            return new Appends(latest, mine.size(), max,
                    mine.isEmpty() ? 0 : (double) rows / mine.size());
        }
    }

    /**
     * One throughput round.
     *
     * @param step {@code sheets} or {@code no-op}
     * @param name the round's number, or {@code W} for the warmup
     * @param sent how many deliveries were sent
     * @param accepted how many were answered 200
     * @param shed how many were answered 503
     * @param dropped how many got no answer
     * @param ingressNanos from the first request to the last answer
     * @param elapsedNanos from the first request to the last successful step
     * @param idle whether the engine became idle within two minutes
     * @param check the rows (or runs) against the accepted deliveries
     * @param appends the append requests the fake saw
     * @param retried failed attempts tried again
     */
    record Round(String step, String name, int sent, int accepted, int shed, int dropped,
            long ingressNanos, long elapsedNanos, boolean idle, Check check, Appends appends,
            long retried) {

        /**
         * Returns the accepted deliveries per second, up to the last row.
         *
         * @return events per second
         */
        double perSecond() {
            return accepted * 1e9 / elapsedNanos;
        }

        String describe() {
            return String.format(Locale.ROOT, "%-6s %,7.0f events/s to the last row (%.2f s; "
                    + "answers %.2f s), 200s %d of %d, 503 %d, no answer %d; %s; appends %d, "
                    + "rows per append max %d mean %.1f; retries %d%s", step, perSecond(),
                    elapsedNanos / 1e9, ingressNanos / 1e9, accepted, sent, shed, dropped,
                    check.describe(), appends.requests(), appends.maxRows(),
                    appends.meanRows(), retried, idle ? "" : "; NOT IDLE");
        }
    }

    /**
     * One minute of a quota run, from its first request.
     *
     * @param number from 1
     * @param seconds how long it was: 60, or less for the last
     * @param writes append requests the fake let through
     * @param refused append requests the fake answered 429
     * @param rows rows appended
     * @param deadLettered action requests the engine gave up on
     */
    record Minute(int number, double seconds, int writes, int refused, long rows,
            long deadLettered) {
    }

    /** Counts taken once a second during a quota run. */
    private record Sample(long nanos, int appends, int refusals, long rows, long dead) {

        static Sample of(long start, FakeSheetsServer fake, WebhookToRowEngine engine) {
            return new Sample(System.nanoTime() - start, fake.appendRequests(),
                    fake.quotaRefusals(), engine.succeeded(), engine.deadLettered());
        }
    }

    /**
     * One quota run.
     *
     * @param quota the fake's write quota per minute; 0 for none
     * @param rate deliveries sent per second
     * @param seconds for how long
     * @param sent how many deliveries were sent
     * @param accepted how many were answered 200
     * @param shed how many were answered 503
     * @param dropped how many got no answer
     * @param maxLagNanos how late, at most, a delivery was sent against its time
     * @param appendRequests append requests that reached the fake, refused or not
     * @param refusals append requests the fake answered 429
     * @param check the rows against the accepted deliveries
     * @param appends rows per request
     * @param retried failed attempts tried again
     * @param deadLettered action requests the engine gave up on
     * @param idle whether the engine finished within the drain time
     * @param loadNanos from the first request to the last sent and answered
     * @param endNanos from the first request to idle, or the end of the drain time
     * @param lastRowNanos from the first request to the last row appended
     * @param minutes the counts per minute
     * @param retryReasons a few reasons attempts were retried
     */
    record QuotaRun(int quota, int rate, int seconds, int sent, int accepted, int shed,
            int dropped, long maxLagNanos, int appendRequests, int refusals, Check check,
            Appends appends, long retried, long deadLettered, boolean idle, long loadNanos,
            long endNanos, long lastRowNanos, List<Minute> minutes, List<String> retryReasons) {

        /** Copies the lists. */
        public QuotaRun {
            minutes = List.copyOf(minutes);
            retryReasons = List.copyOf(retryReasons);
        }

        /**
         * Returns the most writes the fake let through in one minute.
         *
         * @return the count
         */
        int busiestMinute() {
            return minutes.stream().mapToInt(Minute::writes).max().orElse(0);
        }

        /**
         * Returns the accepted deliveries neither in the sheet nor dead-lettered: still being
         * retried when the run ended, or lost.
         *
         * @return the count
         */
        long unaccounted() {
            return Math.max(0, check.missing() - deadLettered);
        }

        /**
         * Tells whether the run met the target: every delivery answered 200, no write
         * refused, no minute over Google's limit, every delivery in the sheet once.
         *
         * @return {@code true} if met
         */
        boolean met() {
            return accepted == sent && refusals == 0 && busiestMinute() <= GOOGLE_WRITES_PER_MINUTE
                    && check.missing() == 0 && check.duplicates() == 0;
        }

        String describe() {
            return String.format(Locale.ROOT, "quota %s, %d/s for %d s: 200s %d of %d, 503 %d, "
                    + "no answer %d, pacing lag max %.0f ms; appends %d (429: %d), rows per "
                    + "append max %d mean %.1f; %s; dead-lettered %d, retries %d; %s in %.0f s",
                    quota == 0 ? "none" : quota + "/min", rate, seconds, accepted, sent, shed,
                    dropped, maxLagNanos / 1e6, appendRequests, refusals, appends.maxRows(),
                    appends.meanRows(), check.describe(), deadLettered, retried,
                    idle ? "idle" : "NOT idle", endNanos / 1e9);
        }
    }

    /**
     * Everything a run measured.
     *
     * @param options the sizes of the run
     * @param rounds the throughput rounds, in the order they ran
     * @param quotaRuns the quota runs
     * @param loadBefore the system's load averages (1, 5, 15 minutes) when the run started
     * @param loadAfter the same when it ended
     */
    record Report(Options options, List<Round> rounds, List<QuotaRun> quotaRuns,
            String loadBefore, String loadAfter) {

        /** Copies the lists. */
        public Report {
            rounds = List.copyOf(rounds);
            quotaRuns = List.copyOf(quotaRuns);
        }

        /**
         * Counts what must never happen: a row written twice, a row of an event not accepted,
         * an accepted event missing from a throughput round, or from a quota run without
         * being dead-lettered or still retried.
         *
         * @return the count; anything but 0 is a bug
         */
        long faults() {
            long faults = 0;
            for (Round round : rounds) {
                faults += round.check().missing() + round.check().duplicates()
                        + round.check().unexpected();
            }
            for (QuotaRun run : quotaRuns) {
                faults += run.check().duplicates() + run.check().unexpected()
                        + (run.idle() ? run.unaccounted() : 0);
            }
            return faults;
        }

        /**
         * Sums up both phases as tables.
         *
         * @return lines of text
         */
        String summary() {
            StringBuilder out = new StringBuilder();
            Options o = options;
            out.append(String.format(Locale.ROOT, "webhook to row, one JVM, %d processors; "
                    + "load average %s at the start, %s at the end%n",
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            out.append(String.format(Locale.ROOT, "coalesce-delay %s, coalesce-max-rows %d, "
                    + "%d attempts%n%n", o.coalesceDelay(), o.coalesceMaxRows(), o.attempts()));
            out.append(String.format(Locale.ROOT, "throughput: %d rounds of %,d deliveries on %d "
                    + "connections (closed loop), the fake without a quota, coalesce-delay "
                    + "%s%n", o.rounds(), o.events(), o.connections(), THROUGHPUT_DELAY));
            out.append("step    round  events/s  answers/s  tail s  accepted   503  rows     "
                    + "missing  dup  appends  rows/append max  mean\n");
            for (Round r : rounds) {
                out.append(String.format(Locale.ROOT, "%-6s  %5s  %8.0f  %9.0f  %6.2f  %8d  %4d  "
                        + "%7d  %7d  %3d  %7d  %15d  %5.1f%n", r.step(), r.name(), r.perSecond(),
                        r.accepted() * 1e9 / r.ingressNanos(),
                        (r.elapsedNanos() - r.ingressNanos()) / 1e9, r.accepted(), r.shed(),
                        r.check().rows(), r.check().missing(), r.check().duplicates(),
                        r.appends().requests(), r.appends().maxRows(), r.appends().meanRows()));
            }
            double sheets = pooled("sheets");
            double noop = pooled("no-op");
            out.append(String.format(Locale.ROOT, "pooled: sheets %,.0f events/s, no-op %,.0f "
                    + "events/s; sheets / no-op %.3f%n%n", sheets, noop, sheets / noop));
            out.append(String.format(Locale.ROOT, "quota: %,d deliveries/s for %d s (open "
                    + "loop) into one sheet; Google's limit %d writes/minute%n", o.rate(),
                    o.seconds(), GOOGLE_WRITES_PER_MINUTE));
            out.append("fake quota  accepted    503  appends   429  rows/append max  mean"
                    + "   rows in sheet  dead  pending  dup  busiest minute  last row s  met\n");
            for (QuotaRun q : quotaRuns) {
                out.append(String.format(Locale.ROOT, "%-10s  %8d  %5d  %7d  %4d  %15d  %4.1f"
                        + "   %13d  %4d  %7d  %3d  %14d  %10.1f  %s%n",
                        q.quota() == 0 ? "none" : q.quota() + "/min", q.accepted(), q.shed(),
                        q.appendRequests(), q.refusals(), q.appends().maxRows(),
                        q.appends().meanRows(), q.check().rows(), q.deadLettered(),
                        q.unaccounted(), q.check().duplicates(), q.busiestMinute(),
                        q.lastRowNanos() / 1e9, q.met() ? "yes" : "no"));
            }
            for (QuotaRun q : quotaRuns) {
                out.append(String.format(Locale.ROOT, "%nper minute, fake quota %s "
                        + "(writes let through / 429 / rows / dead-lettered):",
                        q.quota() == 0 ? "none"
                        : q.quota() + "/min"));
                for (Minute m : q.minutes()) {
                    out.append(String.format(Locale.ROOT, "%n  minute %d%s: %d / %d / %d / %d",
                            m.number(), m.seconds() < 59.5 ? String.format(Locale.ROOT,
                                    " (%.0f s)", m.seconds()) : "", m.writes(), m.refused(),
                            m.rows(), m.deadLettered()));
                }
                out.append('\n');
                q.retryReasons().forEach(reason -> out.append("  retried: ").append(reason)
                        .append('\n'));
            }
            out.append(String.format(Locale.ROOT, "%nfaults (rows duplicated, unexpected or "
                    + "lost): %d%n", faults()));
            return out.toString();
        }

        private double pooled(String step) {
            long accepted = rounds.stream().filter(r -> r.step().equals(step))
                    .mapToLong(Round::accepted).sum();
            long nanos = rounds.stream().filter(r -> r.step().equals(step))
                    .mapToLong(Round::elapsedNanos).sum();
            return nanos == 0 ? Double.NaN : accepted * 1e9 / nanos;
        }
    }
}
