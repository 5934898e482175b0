package dev.recipes.benchmarks;

import dev.recipes.core.Secret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Signed Slack deliveries through the webhook ingress ({@link SlackIngressEngine}: the
 * {@code JdkWebhookServer}, the Slack service and a recipe) against a bare
 * {@code com.sun.net.httpserver} program that only checks and parses them
 * ({@link BareSlackServer}), then the ingress under overload.
 *
 * <p>Three servers take turns: the bare program; the engine, whose recipe runs a no-op action
 * for every event; and the engine whose recipe turns every event down in its filter, so that
 * no action runs ({@code engine-no-action}), which tells the ingress's own cost from the
 * action's. Each server runs in a JVM of its own ({@link IngressServerMain}), so that the CPU
 * time it takes, read from the operating system for that process, is its own: request
 * threads, the JDK server's dispatcher, the engine's bus and action threads, the garbage
 * collector and the JIT compiler alike. This JVM only drives the load ({@link LoadDriver}).
 * After every server is warmed up, rounds go round the servers, each round starting with
 * another one, so that all meet the same state of the machine; each round sends a fresh batch
 * of deliveries, signed just before, with event ids never sent before. A round's CPU time
 * counts until the engine is idle again, so the work that follows the answer (the bus, the
 * recipe, the action) is included.
 *
 * <p>The overload phase starts one more JVM with an engine made small on purpose (2 request
 * threads, a queue of 2, a bus queue of 16 and an action of 1 ms), drives it with many
 * connections, counts the answers by status, and checks that every delivery answered 200
 * reached the recipe's action. Not a JMH benchmark: JMH measures code in one JVM, and this
 * measures whole processes over HTTP. The servers' own log lines go to files named in the
 * output.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.recipes.benchmarks.SlackIngressBenchmark
 * }</pre>
 */
public final class SlackIngressBenchmark {

    private static final Duration IDLE_WAIT = Duration.ofSeconds(60);
    private static final List<String> SERVER_JVM_FLAGS = List.of("-Xms512m", "-Xmx512m",
            "-Dsun.net.httpserver.nodelay=true");
    /** A system property whose value, split at spaces, is added to every server's JVM flags. */
    private static final String EXTRA_FLAGS_PROPERTY = "ingress.serverFlags";
    private static final int MAX_LINES_BEFORE_READY = 20;
    // Limitation: the engine logs every webhook it sheds at WARN; overloaded, that is thousands
    // of lines, so the overload server logs only errors of the engine's own logger.
    private static final List<String> OVERLOAD_JVM_FLAGS = List.of(
            "-Dorg.slf4j.simpleLogger.log.dev.recipes.core.RecipeEngine=error");

    private final Options options;
    private final PrintStream log;
    private final String secret = newSecret();
    private int batches;

    private SlackIngressBenchmark(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    /**
     * Runs the benchmark and prints its report; exits with status 1 if a delivery answered 200
     * never reached the recipe, with status 2, saying why, if an option is wrong, and with
     * status 3, saying why, if a server does not start or does not answer.
     *
     * @param args options as {@code --name=value}; see {@link Options#parse(String[])}
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Options options = CommandLine.options("ingress benchmark", args, Options::parse);
        Report report;
        try {
            report = run(options, System.out);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            System.exit(3);
            return;
        }
        System.out.println();
        System.out.print(report.summary());
        if (report.lost() > 0) {
            System.exit(1);
        }
    }

    /**
     * Runs the benchmark, logging each round as it ends.
     *
     * @param options the sizes of the run
     * @param log where the rounds are logged
     * @return the measurements and the outcome of the overload phase
     * @throws IOException if a server cannot be started or does not answer its commands
     * @throws InterruptedException if interrupted
     */
    static Report run(Options options, PrintStream log)
            throws IOException, InterruptedException {
        return new SlackIngressBenchmark(options, log).run();
    }

    private Report run() throws IOException, InterruptedException {
        List<Round> rounds = new ArrayList<>();
        long warmupLost = 0;
        try (ServerProcess bare = start("bare", List.of("bare",
                String.valueOf(bareThreads())));
                ServerProcess engine = start("engine", List.of("engine",
                        String.valueOf(options.engineThreads()), "-1", "1024", "0", "true"));
                ServerProcess noAction = start("engine-no-action", List.of("engine",
                        String.valueOf(options.engineThreads()), "-1", "1024", "0", "false"))) {
            List<ServerProcess> servers = List.of(bare, engine, noAction);
            for (int connections : options.connections()) {
                for (ServerProcess server : servers) {
                    warmupLost += warmUp(server, connections);
                }
                for (int round = 1; round <= options.rounds(); round++) {
                    // Each round starts with another server, so none always follows the same.
                    for (int turn = 0; turn < servers.size(); turn++) {
                        ServerProcess server = servers.get((round - 1 + turn) % servers.size());
                        rounds.add(logged(measure(server, connections, options.requests()),
                                round));
                    }
                }
            }
        }
        return new Report(rounds, warmupLost, overload());
    }

    // Sends rounds' worth of deliveries until the warm-up time has passed, at least one batch:
    // a count alone would be too short on a fast machine, whose JIT compilers were seen still
    // busy ten seconds in, taking a core from the rounds measured. Returns the lost ones.
    private long warmUp(ServerProcess server, int connections)
            throws IOException, InterruptedException {
        long lost = 0;
        long end = System.nanoTime() + (long) (options.warmupSeconds() * 1e9);
        do {
            lost += measure(server, connections, options.requests()).lost();
        } while (System.nanoTime() - end < 0);
        return lost;
    }

    private Round logged(Round round, int number) {
        log.printf(Locale.ROOT, "round %d: %s%n", number, round.describe());
        return round;
    }

    private Round measure(ServerProcess server, int connections, int count)
            throws IOException, InterruptedException {
        SlackRequests requests = SlackRequests.sign(Secret.of(secret),
                "Ev" + server.kind() + (++batches), count, Instant.now());
        LoadDriver driver = new LoadDriver(server.address(), connections);

        long cpuBefore = server.cpuNanos();
        LoadDriver.Outcome outcome = driver.send(requests);
        if (!server.command("idle").equals("idle")) {
            throw new IOException("ingress benchmark: the " + server.kind() + " server was "
                    + "not idle " + IDLE_WAIT.toSeconds() + " s after a round");
        }
        long cpu = server.cpuNanos() - cpuBefore;

        long lost = server.lost(requests, outcome);
        return new Round(server.kind(), connections, outcome, cpu, lost);
    }

    private Overload overload() throws IOException, InterruptedException {
        try (ServerProcess small = start("engine",
                List.of("engine", "2", "2", "16", "1000", "true"), OVERLOAD_JVM_FLAGS)) {
            SlackRequests requests = SlackRequests.sign(Secret.of(secret),
                    "EvOverload", options.overloadRequests(), Instant.now());
            LoadDriver.Outcome outcome = new LoadDriver(small.address(),
                    options.overloadConnections()).send(requests);
            long lost = small.lost(requests, outcome);
            String[] stats = small.command("stats").split(" ");
            Overload overload = new Overload(options.overloadConnections(), outcome.statuses()
                    .length, outcome.count(200), outcome.count(503),
                    outcome.count(LoadDriver.DROPPED), Long.parseLong(stats[1]), lost,
                    outcome.elapsedNanos());
            log.printf(Locale.ROOT, "overload: %s%n", overload.describe());
            return overload;
        }
    }

    private ServerProcess start(String kind, List<String> args) throws IOException {
        return start(kind, args, List.of());
    }

    private ServerProcess start(String kind, List<String> args, List<String> flags)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SERVER_JVM_FLAGS);
        command.addAll(flags);
        String extra = System.getProperty(EXTRA_FLAGS_PROPERTY, "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split(" +")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(IngressServerMain.class.getName());
        command.addAll(args);
        Path errors = Files.createTempFile("slack-ingress-" + kind + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(errors.toFile()));
        builder.environment().put(IngressServerMain.SECRET_VARIABLE, secret);
        log.printf(Locale.ROOT, "%s server: log in %s%n", kind, errors);
        return new ServerProcess(kind, builder.start(), errors);
    }

    private static String newSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    // Twice the processors, at most 32: the bare server's better setting. The JDK's server
    // reads a request on the pool's thread, which may wait for it; on 2 processors, with 2
    // threads rather than 4 its throughput was 8 and 15 % lower at 16 and 64 connections and
    // its p99 at 64 a tenth higher. The engine's server, which hands over only whole requests,
    // runs one per processor by default.
    private static int bareThreads() {
        return Math.min(2 * Runtime.getRuntime().availableProcessors(), 32);
    }

    /** A server JVM, told what to do on its standard input. */
    private static final class ServerProcess implements AutoCloseable {

        private final String kind;
        private final Process process;
        private final BufferedReader answers;
        private final Writer commands;
        private final InetSocketAddress address;
        private final Path errors;

        ServerProcess(String kind, Process process, Path errors) throws IOException {
            this.kind = kind;
            this.errors = errors;
            this.process = process;
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            this.commands = process.outputWriter(StandardCharsets.UTF_8);
            // A JVM flag may make the server print first (a flight recording says where it
            // writes), so lines before "ready" are skipped.
            String ready = answers.readLine();
            for (int skipped = 0; ready != null && !ready.startsWith("ready ")
                    && skipped < MAX_LINES_BEFORE_READY; skipped++) {
                ready = answers.readLine();
            }
            if (ready == null || !ready.startsWith("ready ")) {
                process.destroy();
                throw new IOException("ingress benchmark: the " + kind + " server did not "
                        + "start; it said '" + ready + "'");
            }
            this.address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(ready.substring("ready ".length())));
        }

        String kind() {
            return kind;
        }

        InetSocketAddress address() {
            return address;
        }

        long cpuNanos() {
            return process.info().totalCpuDuration().orElseThrow(() ->
                    new IllegalStateException("ingress benchmark: this system does not tell "
                            + "the CPU time of process " + process.pid())).toNanos();
        }

        String command(String command) throws IOException {
            commands.write(command + "\n");
            commands.flush();
            return answer();
        }

        long lost(SlackRequests requests, LoadDriver.Outcome outcome) throws IOException {
            if (kind.equals("bare")) {
                return 0;
            }
            StringBuilder ids = new StringBuilder();
            int accepted = 0;
            for (int i = 0; i < requests.size(); i++) {
                if (outcome.statuses()[i] == 200) {
                    ids.append(requests.eventId(i)).append('\n');
                    accepted++;
                }
            }
            commands.write("lost " + accepted + "\n");
            commands.write(ids.toString());
            commands.flush();
            String[] answer = answer().split(" ", 3);
            return Long.parseLong(answer[1]);
        }

        private String answer() throws IOException {
            String answer = answers.readLine();
            if (answer == null || answer.startsWith("error")) {
                throw new IOException("ingress benchmark: the " + kind + " server answered '"
                        + answer + "'");
            }
            return answer;
        }

        @Override
        public void close() throws InterruptedException {
            try {
                commands.write("quit\n");
                commands.flush();
            } catch (IOException e) {
                // The server is gone already; waiting below tells.
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            try {
                if (Files.size(errors) == 0) {
                    Files.delete(errors);
                }
            } catch (IOException e) {
                // The log stays; it is in the temporary directory.
            }
        }
    }

    /**
     * The sizes of a run.
     *
     * @param rounds how many measured rounds each server gets, per connection count
     * @param requests how many deliveries a round sends
     * @param connections the connection counts to measure with, in turn
     * @param warmupSeconds how long each server gets deliveries before its first round with a
     *     connection count, in batches of a round's size, at least one
     * @param overloadRequests how many deliveries the overload phase sends
     * @param overloadConnections how many connections the overload phase sends them on
     * @param engineThreads the handler threads of both engines' webhook servers; 0 for the
     *     server's default
     */
    record Options(int rounds, int requests, List<Integer> connections,
            double warmupSeconds, int overloadRequests, int overloadConnections,
            int engineThreads) {

        /**
         * Five rounds of 40,000 at 16 and at 64 connections after 10 seconds to warm up, and
         * 40,000 in overload on 128; the engines' servers with their default threads.
         */
        static final Options DEFAULTS = new Options(5, 40_000, List.of(16, 64), 10,
                40_000, 128, 0);

        /** The longest warm-up taken, an hour, so that a slip cannot warm up for ever. */
        static final int MAX_WARMUP_SECONDS = 3600;

        // Bounds past which a run would only exhaust the machine: the engine's server takes
        // 1,000 connections by default, and each connection is a driver thread.
        private static final int MAX_ROUNDS = 1000;
        private static final int MAX_REQUESTS = 10_000_000;
        private static final int MAX_CONNECTIONS = 1000;
        private static final int MAX_ENGINE_THREADS = 1000;

        private static final List<String> NAMES = List.of("rounds", "requests", "connections",
                "warmup-seconds", "overload-requests", "overload-connections",
                "engine-threads");
        private static final Pattern WHOLE = Pattern.compile("[0-9]{1,10}");
        private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,10}(\\.[0-9]{1,9})?");

        /**
         * Checks the sizes and copies the list of connection counts.
         *
         * @throws IllegalArgumentException if a count is out of its range, the list of
         *     connection counts empty, the warm-up time not from 0 to an hour, or the engine
         *     threads negative or over 1,000
         */
        public Options {
            connections = List.copyOf(connections);
            within("rounds", rounds, 1, MAX_ROUNDS);
            within("requests", requests, 1, MAX_REQUESTS);
            within("overload-requests", overloadRequests, 1, MAX_REQUESTS);
            within("overload-connections", overloadConnections, 1, MAX_CONNECTIONS);
            if (connections.isEmpty()) {
                throw new IllegalArgumentException("ingress benchmark: connections must name "
                        + "at least one count");
            }
            connections.forEach(count -> within("connections", count, 1, MAX_CONNECTIONS));
            if (!(warmupSeconds >= 0 && warmupSeconds <= MAX_WARMUP_SECONDS)) {
                throw new IllegalArgumentException("ingress benchmark: warmup-seconds "
                        + warmupSeconds + " must be from 0 to " + MAX_WARMUP_SECONDS);
            }
            within("engine-threads", engineThreads, 0, MAX_ENGINE_THREADS);
        }

        private static void within(String name, int value, int least, int most) {
            if (value < least || value > most) {
                throw new IllegalArgumentException("ingress benchmark: " + name + " " + value
                        + " must be from " + least + " to " + most);
            }
        }

        /**
         * Reads options from {@code --rounds=N}, {@code --requests=N},
         * {@code --connections=N,N}, {@code --warmup-seconds=S}, {@code --overload-requests=N},
         * {@code --overload-connections=N} and {@code --engine-threads=N}; what is not given
         * keeps its default, and of an option given twice the last counts.
         *
         * @param args the arguments
         * @return the options
         * @throws IllegalArgumentException if an argument is unknown or not a number
         */
        static Options parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (String arg : args) {
                String[] pair = arg.split("=", 2);
                String name = pair[0].startsWith("--") ? pair[0].substring(2) : "";
                if (name.equals("warmup")) {
                    throw new IllegalArgumentException("ingress benchmark: --warmup, a count, "
                            + "is now --warmup-seconds, a time");
                }
                if (pair.length != 2 || !NAMES.contains(name)) {
                    throw new IllegalArgumentException("ingress benchmark: option '" + arg
                            + "' is not --name=value with a name among " + NAMES);
                }
                given.put(name, pair[1]);
            }
            Options d = DEFAULTS;
            return new Options(number(given, "rounds", d.rounds),
                    number(given, "requests", d.requests),
                    given.containsKey("connections")
                            ? Arrays.stream(given.get("connections").split(",", -1))
                                    .map(count -> number("connections", count)).toList()
                            : d.connections,
                    seconds(given, "warmup-seconds", d.warmupSeconds),
                    number(given, "overload-requests", d.overloadRequests),
                    number(given, "overload-connections", d.overloadConnections),
                    number(given, "engine-threads", d.engineThreads));
        }

        private static int number(Map<String, String> given, String name, int fallback) {
            return given.containsKey(name) ? number(name, given.get(name)) : fallback;
        }

        // ASCII digits only: Integer.parseInt would also take a sign and other scripts' digits.
        private static int number(String name, String value) {
            long number = WHOLE.matcher(value).matches() ? Long.parseLong(value) : -1;
            if (number < 0 || number > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ingress benchmark: --" + name + " takes a "
                        + "whole number, not '" + value + "'");
            }
            return (int) number;
        }

        // Digits with an optional fraction: Double.parseDouble would also take 0x1p3 and 10f.
        private static double seconds(Map<String, String> given, String name, double fallback) {
            if (!given.containsKey(name)) {
                return fallback;
            }
            String value = given.get(name);
            if (!DECIMAL.matcher(value).matches()) {
                throw new IllegalArgumentException("ingress benchmark: --" + name + " takes "
                        + "seconds, such as 10 or 2.5, not '" + value + "'");
            }
            return Double.parseDouble(value);
        }
    }

    /**
     * One server's measured round.
     *
     * @param server {@code bare}, {@code engine} or {@code engine-no-action}
     * @param connections how many connections sent at once
     * @param outcome the status and latency of every request
     * @param cpuNanos the server process's CPU time, from the first request to idle again
     * @param lost how many deliveries answered 200 never reached the recipe's action (0 for
     *     the bare server, which has none)
     */
    record Round(String server, int connections, LoadDriver.Outcome outcome, long cpuNanos,
            long lost) {

        /**
         * Returns how many deliveries were answered 200.
         *
         * @return the count
         */
        int accepted() {
            return outcome.count(200);
        }

        /**
         * Returns the deliveries answered 200 per second of the round.
         *
         * @return accepted deliveries per second
         */
        double perSecond() {
            return accepted() * 1e9 / outcome.elapsedNanos();
        }

        /**
         * Returns the server's CPU time per accepted delivery.
         *
         * @return microseconds
         */
        double cpuMicrosPerRequest() {
            return cpuNanos / 1e3 / Math.max(1, accepted());
        }

        String describe() {
            long[] sorted = outcome.sortedLatencies();
            return String.format(Locale.ROOT, "%-16s c=%-3d %,9.0f/s  cpu %6.1f us/req  "
                    + "p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  200s %d of %d  lost %d",
                    server, connections, perSecond(), cpuMicrosPerRequest(),
                    percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6,
                    percentile(sorted, 0.999) / 1e6, accepted(), outcome.statuses().length,
                    lost);
        }
    }

    /**
     * The outcome of the overload phase.
     *
     * @param connections how many connections sent at once
     * @param sent how many deliveries were sent
     * @param accepted how many were answered 200
     * @param shed how many were answered 503
     * @param dropped how many got no answer: the server closed the connection
     * @param published how many events the engine published to its bus
     * @param lost how many deliveries answered 200 never reached the recipe's action
     * @param elapsedNanos how long the phase took
     */
    record Overload(int connections, int sent, int accepted, int shed, int dropped,
            long published, long lost, long elapsedNanos) {

        String describe() {
            return String.format(Locale.ROOT, "c=%d sent %d: 200 %d, 503 %d, no answer %d, "
                    + "other %d; published %d; lost %d; %.1f s", connections, sent, accepted,
                    shed, dropped, sent - accepted - shed - dropped, published, lost,
                    elapsedNanos / 1e9);
        }
    }

    /**
     * Everything a run measured.
     *
     * @param rounds the measured rounds of every server, in the order they ran
     * @param warmupLost how many deliveries answered 200 while warming up never reached the
     *     recipe
     * @param overload the overload phase
     */
    record Report(List<Round> rounds, long warmupLost, Overload overload) {

        /** Copies the rounds. */
        public Report {
            rounds = List.copyOf(rounds);
        }

        /**
         * Returns how many deliveries answered 200 never reached the recipe: while warming up,
         * in every round and in the overload phase.
         *
         * @return the count; anything but 0 is a bug
         */
        long lost() {
            return warmupLost + rounds.stream().mapToLong(Round::lost).sum() + overload.lost();
        }

        /**
         * Sums up each connection count: each server's rounds pooled, and the engine's figures
         * as ratios of the bare server's.
         *
         * @return lines of text
         */
        String summary() {
            StringBuilder out = new StringBuilder();
            rounds.stream().map(Round::connections).distinct().forEach(connections -> {
                Pooled bare = pool("bare", connections);
                out.append(String.format(Locale.ROOT, "c=%-3d %-16s %s%n", connections, "bare",
                        bare));
                rounds.stream().map(Round::server).distinct().filter(s -> !s.equals("bare"))
                        .forEach(server -> {
                            Pooled engine = pool(server, connections);
                            out.append(String.format(Locale.ROOT, "c=%-3d %-16s %s%n",
                                    connections, server, engine));
                            out.append(String.format(Locale.ROOT, "c=%-3d %-16s throughput "
                                    + "%.3f, cpu/req %.3f, p50 %.3f, p99 %.3f, p99.9 %.3f "
                                    + "of bare%n",
                                    connections, server, engine.perSecond / bare.perSecond,
                                    engine.cpuMicros / bare.cpuMicros, engine.p50 / bare.p50,
                                    engine.p99 / bare.p99, engine.p999 / bare.p999));
                        });
            });
            out.append("warmup: lost ").append(warmupLost).append('\n');
            out.append("overload: ").append(overload.describe()).append('\n');
            return out.toString();
        }

        private Pooled pool(String server, int connections) {
            List<Round> mine = rounds.stream().filter(r -> r.server().equals(server)
                    && r.connections() == connections).toList();
            long accepted = mine.stream().mapToLong(Round::accepted).sum();
            long elapsed = mine.stream().mapToLong(r -> r.outcome().elapsedNanos()).sum();
            long cpu = mine.stream().mapToLong(Round::cpuNanos).sum();
            long lost = mine.stream().mapToLong(Round::lost).sum();
            long[] latencies = mine.stream().flatMapToLong(r -> Arrays.stream(
                    r.outcome().sortedLatencies())).sorted().toArray();
            return new Pooled(accepted * 1e9 / elapsed, cpu / 1e3 / Math.max(1, accepted),
                    percentile(latencies, 0.50) / 1e6, percentile(latencies, 0.99) / 1e6,
                    percentile(latencies, 0.999) / 1e6, accepted, lost);
        }
    }

    private record Pooled(double perSecond, double cpuMicros, double p50, double p99,
            double p999, long accepted, long lost) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,9.0f/s  cpu %6.1f us/req  p50 %6.2f ms  "
                    + "p99 %6.2f ms  p99.9 %6.2f ms  accepted %d  lost %d", perSecond,
                    cpuMicros, p50, p99, p999, accepted, lost);
        }
    }

    private static double percentile(long[] sorted, double fraction) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(fraction * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
