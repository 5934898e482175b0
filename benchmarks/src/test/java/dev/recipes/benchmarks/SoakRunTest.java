package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.benchmarks.SoakRun.Options;
import dev.recipes.benchmarks.SoakRun.Report;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class SoakRunTest {

    @Test
    void briefRun_samplesTheHeap_losesNoEvent_andPrintsAVerdict() throws InterruptedException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        Report report = SoakRun.run(Options.parse(new String[] {"--recipes=500",
                "--minutes=0.17", "--rate=500", "--sample-seconds=2", "--warmup-samples=1",
                "--idempotency-keys=2000"}), new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(report.samples()).hasSizeGreaterThan(2);
        assertThat(report.samples()).allSatisfy(s -> assertThat(s.heapBytes()).isPositive());
        assertThat(report.published()).isPositive();
        assertThat(report.run()).isEqualTo(report.published() - report.refused());
        assertThat(report.followed()).isEqualTo(report.run());
        assertThat(report.sampled()).isEqualTo(report.sampledExpected());
        assertThat(report.lost()).isZero();
        assertThat(report.recipeHeap().startedBytes()).isPositive();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("heap per 10,000 recipes")
                .contains("verdict: ").containsPattern("verdict: (no growth|the heap GROWS)");
    }

    @Test
    void options_overrideTheDefaultsTheyName_andRefuseUnknownOnes() {
        Options options = Options.parse(new String[] {"--recipes=20", "--minutes=0.5"});

        assertThat(options.recipes()).isEqualTo(20);
        assertThat(options.minutes()).isEqualTo(0.5);
        assertThat(options.rate()).isEqualTo(Options.DEFAULTS.rate());
        assertThat(options.sampleSeconds()).isEqualTo(30);
        assertThatThrownBy(() -> Options.parse(new String[] {"--http=true"}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
