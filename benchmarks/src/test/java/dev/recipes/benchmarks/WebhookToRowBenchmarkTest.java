package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.benchmarks.WebhookToRowBenchmark.Options;
import dev.recipes.benchmarks.WebhookToRowBenchmark.QuotaRun;
import dev.recipes.benchmarks.WebhookToRowBenchmark.Report;
import dev.recipes.benchmarks.WebhookToRowBenchmark.Round;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class WebhookToRowBenchmarkTest {

    private static final int EVENTS = 300;
    private static final int RATE = 150;
    private static final int SECONDS = 2;

    @Test
    void briefRun_turnsEveryAcceptedEventIntoExactlyOneRow() throws InterruptedException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        Report report = WebhookToRowBenchmark.run(new Options(EVENTS, 1, 100, 4, RATE, SECONDS,
                List.of(WebhookToRowBenchmark.GOOGLE_WRITES_PER_MINUTE), Duration.ofSeconds(15),
                Duration.ofMillis(200), 64, 10), new PrintStream(log, true,
                StandardCharsets.UTF_8));

        assertThat(report.rounds()).extracting(Round::step).containsExactlyInAnyOrder("sheets",
                "no-op");
        assertThat(report.rounds()).allSatisfy(round -> {
            assertThat(round.sent()).isEqualTo(EVENTS);
            assertThat(round.accepted()).isPositive();
            assertThat(round.check().rows()).isEqualTo(round.accepted());
            assertThat(round.check().missing()).isZero();
            assertThat(round.check().duplicates()).isZero();
            assertThat(round.check().unexpected()).isZero();
        });
        assertThat(report.quotaRuns()).singleElement().satisfies(run -> {
            assertThat(run.sent()).isEqualTo(RATE * SECONDS);
            assertThat(run.accepted()).isPositive();
            assertThat(run.idle()).isTrue();
            assertThat(run.check().rows()).isEqualTo(run.accepted());
            assertThat(run.check().missing()).isZero();
            assertThat(run.check().duplicates()).isZero();
            assertThat(run.check().unexpected()).isZero();
            assertThat(run.minutes()).isNotEmpty();
        });
        assertThat(report.faults()).isZero();
        assertThat(report.summary()).contains("pooled: sheets ").contains("sheets / no-op")
                .contains("busiest minute").contains("faults (rows duplicated, unexpected or "
                        + "lost): 0");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("round 1: sheets")
                .contains("round 1: no-op").contains("quota: quota 60/min");
    }

    @Test
    void options_overrideTheDefaultsTheyName_andRefuseUnknownOnes() {
        Options options = Options.parse(new String[] {"--seconds=10", "--write-quotas=60",
                "--coalesce-delay=250"});

        assertThat(options.seconds()).isEqualTo(10);
        assertThat(options.writeQuotas()).containsExactly(60);
        assertThat(options.coalesceDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(options.rate()).isEqualTo(Options.DEFAULTS.rate());
        assertThatThrownBy(() -> Options.parse(new String[] {"--sheets=2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sheets");
    }

    @Test
    void quotaRun_isMetOnlyWithinGooglesLimit_withEveryDeliveryTakenAndWritten() {
        WebhookToRowBenchmark.Check complete = new WebhookToRowBenchmark.Check(10, 0, 0, 0);
        QuotaRun within = quotaRun(0, complete, 60);
        QuotaRun over = quotaRun(0, complete, 61);
        QuotaRun refused = quotaRun(3, complete, 60);
        QuotaRun shed = quotaRun(0, complete, 60, 9);

        assertThat(within.met()).isTrue();
        assertThat(over.met()).isFalse();
        assertThat(refused.met()).isFalse();
        assertThat(shed.met()).isFalse();
    }

    private static QuotaRun quotaRun(int refusals, WebhookToRowBenchmark.Check check,
            int writes) {
        return quotaRun(refusals, check, writes, 10);
    }

    private static QuotaRun quotaRun(int refusals, WebhookToRowBenchmark.Check check,
            int writes, int accepted) {
        return new QuotaRun(60, 10, 1, 10, accepted, 10 - accepted, 0, 0, writes + refusals,
                refusals, check,
                WebhookToRowBenchmark.Appends.NONE, 0, 0, true, 1, 1, 1,
                List.of(new WebhookToRowBenchmark.Minute(1, 60, writes, refusals, 10, 0)),
                List.of());
    }
}
