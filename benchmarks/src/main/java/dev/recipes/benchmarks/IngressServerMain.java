package dev.recipes.benchmarks;

import dev.recipes.core.Secret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The server side of {@link SlackIngressBenchmark}, run in a JVM of its own so that its CPU
 * time is the process's alone. It starts either the bare baseline or the engine on a free
 * loopback port, and then takes commands from the benchmark on standard input, one a line,
 * answering each with one line on standard output:
 *
 * <ul>
 *   <li>at start it prints {@code ready <port>};</li>
 *   <li>{@code stats} answers {@code stats <published> <handled> <accepted>}: the events
 *       published to the bus, the times the recipe's action ran (both 0 for the
 *       baseline) and the deliveries the baseline accepted (0 for the engine);</li>
 *   <li>{@code idle} waits until the engine has handled every event it took, and answers
 *       {@code idle}, or {@code busy} if it did not within a minute;</li>
 *   <li>{@code lost <n>} followed by {@code n} lines of event ids that were answered 200 waits
 *       for the engine to be idle and answers {@code lost <count> <up to 5 ids>};</li>
 *   <li>{@code quit}, or the end of the input, stops the server and the JVM.</li>
 * </ul>
 *
 * <p>The signing secret is read from the environment variable
 * {@value #SECRET_VARIABLE}, so that it does not show in the process list.
 */
public final class IngressServerMain {

    /** The environment variable that holds the signing secret. */
    static final String SECRET_VARIABLE = "BENCH_SLACK_SIGNING_SECRET";

    private static final Duration IDLE_WAIT = Duration.ofSeconds(60);
    private static final int LOST_SHOWN = 5;

    private IngressServerMain() {
    }

    /**
     * Runs the server until told to quit.
     *
     * @param args {@code bare <threads>}, or {@code engine <threads> <queue capacity>
     *     <bus capacity> <action delay in microseconds> <action: true or false>} with 0
     *     threads and a negative queue capacity for the server's defaults
     * @throws Exception if the server cannot start or the commands cannot be read
     */
    public static void main(String[] args) throws Exception {
        Secret secret = Secret.of(System.getenv(SECRET_VARIABLE));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[0].equals("bare")) {
            try (BareSlackServer bare = BareSlackServer.start(
                    new InetSocketAddress("127.0.0.1", 0), secret, Integer.parseInt(args[1]))) {
                out.println("ready " + bare.port());
                serve(in, out, () -> "stats 0 0 " + bare.accepted(), null);
            }
        } else {
            SlackIngressEngine.Settings settings = new SlackIngressEngine.Settings(
                    Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]), Duration.ofNanos(1000L * Long.parseLong(args[4])),
                    Boolean.parseBoolean(args[5]));
            try (SlackIngressEngine engine = SlackIngressEngine.start(settings, secret)) {
                out.println("ready " + engine.port());
                serve(in, out, () -> "stats " + engine.received() + " " + engine.handled()
                        + " 0", engine);
            }
        }
    }

    private interface Stats {
        String line();
    }

    private static void serve(BufferedReader in, PrintStream out, Stats stats,
            SlackIngressEngine engine) throws IOException, InterruptedException {
        String command;
        while ((command = in.readLine()) != null && !command.equals("quit")) {
            if (command.equals("idle")) {
                out.println(engine == null || engine.idle(IDLE_WAIT) ? "idle" : "busy");
            } else if (command.equals("stats")) {
                out.println(stats.line());
            } else if (command.startsWith("lost ")) {
                int count = Integer.parseInt(command.substring("lost ".length()));
                List<String> accepted = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    accepted.add(in.readLine());
                }
                List<String> lost = engine == null ? List.of()
                        : engine.lost(accepted, IDLE_WAIT);
                out.println("lost " + lost.size() + " "
                        + String.join(",", lost.subList(0, Math.min(LOST_SHOWN, lost.size()))));
            } else {
                out.println("error unknown command '" + command + "'");
            }
        }
    }
}
