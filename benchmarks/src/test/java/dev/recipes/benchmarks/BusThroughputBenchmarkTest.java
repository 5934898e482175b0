package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;

final class BusThroughputBenchmarkTest {

    private static final int SMALL_BATCH = 200;

    @BeforeAll
    static void redisAnswers() {
        LocalRedis.checkAnswers();
    }

    @Test
    void everyConfigurationRuns_andScoresEventsPerSecond() throws RunnerException {
        Collection<RunResult> results = new Runner(SmokeRuns.of(BusThroughputBenchmark.class)
                .param("batch", String.valueOf(SMALL_BATCH))
                .operationsPerInvocation(SMALL_BATCH)
                .build()).run();

        assertThat(results)
                .extracting(result -> result.getParams().getParam("bus") + " x "
                        + result.getParams().getParam("groups"))
                .containsExactlyInAnyOrder("in-memory x 1", "in-memory x 4", "redis x 1",
                        "redis x 4");
        assertThat(results).allSatisfy(result -> {
            assertThat(result.getPrimaryResult().getScore()).isPositive();
            assertThat(result.getPrimaryResult().getScoreUnit()).isEqualTo("ops/s");
            assertThat(result.getSecondaryResults()).containsKey("refused");
        });
    }

    @Test
    void batchThatDiffersFromOperationsPerInvocation_isRefused() {
        Runner runner = new Runner(SmokeRuns.of(BusThroughputBenchmark.class)
                .param("bus", "in-memory")
                .param("groups", "1")
                .param("batch", String.valueOf(SMALL_BATCH))
                .build());

        assertThatThrownBy(runner::run)
                .isInstanceOf(RunnerException.class)
                .hasStackTraceContaining("-opi " + SMALL_BATCH);
    }
}
