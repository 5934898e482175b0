package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.benchmarks.SlackIngressBenchmark.Options;
import dev.recipes.benchmarks.SlackIngressBenchmark.Overload;
import dev.recipes.benchmarks.SlackIngressBenchmark.Report;
import dev.recipes.benchmarks.SlackIngressBenchmark.Round;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SlackIngressBenchmarkTest {

    private static final int REQUESTS = 300;
    private static final int OVERLOAD_REQUESTS = 2_000;

    @Test
    void briefRun_answersEveryDelivery_andLosesNoAcceptedEvent()
            throws IOException, InterruptedException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        Report report = SlackIngressBenchmark.run(
                new Options(1, REQUESTS, List.of(4), 0, OVERLOAD_REQUESTS, 32, 0),
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(report.rounds()).extracting(Round::server)
                .containsExactly("bare", "engine", "engine-no-action");
        assertThat(report.rounds()).allSatisfy(round -> {
            assertThat(round.outcome().statuses()).hasSize(REQUESTS);
            assertThat(round.accepted()).isEqualTo(REQUESTS);
            assertThat(round.cpuNanos()).isPositive();
            assertThat(round.lost()).isZero();
        });
        Overload overload = report.overload();
        assertThat(overload.sent()).isEqualTo(OVERLOAD_REQUESTS);
        assertThat(overload.accepted() + overload.shed() + overload.dropped())
                .isEqualTo(OVERLOAD_REQUESTS);
        assertThat(overload.published()).isGreaterThanOrEqualTo(overload.accepted());
        assertThat(overload.lost()).isZero();
        assertThat(report.lost()).isZero();
        assertThat(report.summary()).contains("engine           throughput ")
                .contains("engine-no-action throughput ").contains("lost 0");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("round 1: bare")
                .contains("round 1: engine ").contains("round 1: engine-no-action")
                .contains("overload: ");
    }

    @Test
    void options_overrideTheDefaultsTheyName() {
        Options options = Options.parse(new String[] {"--rounds=2", "--connections=8,32",
                "--warmup=2.5", "--engine-threads=4"});

        assertThat(options.rounds()).isEqualTo(2);
        assertThat(options.connections()).containsExactly(8, 32);
        assertThat(options.warmupSeconds()).isEqualTo(2.5);
        assertThat(options.engineThreads()).isEqualTo(4);
        assertThat(options.requests()).isEqualTo(Options.DEFAULTS.requests());
    }

    @Test
    void negativeWarmUp_isRefused() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--warmup=-1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warm-up of -1.0 s must not be negative");
    }

    @Test
    void negativeEngineThreads_areRefused() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--engine-threads=-2"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("engine threads -2 must not be negative");
    }

    @Test
    void optionWithoutValue_isRefused() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--rounds"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'--rounds' is not --name=value");
    }

    @Test
    void unknownOption_isRefused() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--round=2"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'--round=2'");
    }
}
