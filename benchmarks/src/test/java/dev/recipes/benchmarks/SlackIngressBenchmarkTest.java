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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
                "--warmup-seconds=2.5", "--engine-threads=4"});

        assertThat(options.rounds()).isEqualTo(2);
        assertThat(options.connections()).containsExactly(8, 32);
        assertThat(options.warmupSeconds()).isEqualTo(2.5);
        assertThat(options.engineThreads()).isEqualTo(4);
        assertThat(options.requests()).isEqualTo(Options.DEFAULTS.requests());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--warmup-seconds=-1       | --warmup-seconds takes seconds, such as 10 or 2.5",
        "--warmup-seconds=NaN      | --warmup-seconds takes seconds, such as 10 or 2.5",
        "--warmup-seconds=Infinity | --warmup-seconds takes seconds, such as 10 or 2.5",
        "--warmup-seconds=1e12     | --warmup-seconds takes seconds, such as 10 or 2.5",
        "--warmup-seconds=3600.5   | warmup-seconds 3600.5 must be from 0 to 3600",
        "--warmup-seconds=ten      | --warmup-seconds takes seconds, such as 10 or 2.5",
        "--engine-threads=-2    | --engine-threads takes a whole number, not '-2'",
        "--engine-threads=two   | --engine-threads takes a whole number, not 'two'",
        "--rounds=0             | rounds 0 must be from 1 to 1000",
        "--requests=-5          | --requests takes a whole number, not '-5'",
        "--overload-requests=0  | overload-requests 0 must be from 1 to 10000000",
        "--connections=8,0      | connections 0 must be from 1 to 1000",
        "--connections=1001     | connections 1001 must be from 1 to 1000",
        "--overload-connections=5000 | overload-connections 5000 must be from 1 to 1000",
        "--engine-threads=2147483647 | engine-threads 2147483647 must be from 0 to 1000",
        "--requests=2147483647  | requests 2147483647 must be from 1 to 10000000",
        "--rounds=2147483648    | --rounds takes a whole number, not '2147483648'",
        "--rounds=+3            | --rounds takes a whole number, not '+3'",
        "--rounds=٣            | --rounds takes a whole number",
        "--warmup-seconds=10f   | --warmup-seconds takes seconds, such as 10 or 2.5, not '10f'",
        "--warmup-seconds=0x1p3 | --warmup-seconds takes seconds",
        "--warmup=10            | --warmup, a count, is now --warmup-seconds, a time",
        "--connections=         | --connections takes a whole number, not ''",
        "--connections=8,,16    | --connections takes a whole number, not ''",
        "--rounds=1.5           | --rounds takes a whole number, not '1.5'",
    })
    void badValue_isRefusedSayingWhich(String option, String message) {
        assertThatThrownBy(() -> Options.parse(new String[] {option}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void repeatedOption_lastCounts() {
        assertThat(Options.parse(new String[] {"--rounds=2", "--rounds=3"}).rounds())
                .isEqualTo(3);
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
