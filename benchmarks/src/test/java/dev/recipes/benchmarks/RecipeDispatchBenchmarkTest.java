package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;

final class RecipeDispatchBenchmarkTest {

    private static final int SMALL_BATCH = 20;

    @Test
    void fewRecipes_run_andScoreEventsPerSecond() throws RunnerException {
        Collection<RunResult> results = new Runner(SmokeRuns.of(RecipeDispatchBenchmark.class)
                .param("recipes", "10", "100")
                .param("batch", String.valueOf(SMALL_BATCH))
                .operationsPerInvocation(SMALL_BATCH)
                .build()).run();

        assertThat(results)
                .extracting(result -> result.getParams().getParam("recipes"))
                .containsExactlyInAnyOrder("10", "100");
        assertThat(results).allSatisfy(result -> {
            assertThat(result.getPrimaryResult().getScore()).isPositive();
            assertThat(result.getPrimaryResult().getScoreUnit()).isEqualTo("ops/s");
            assertThat(result.getSecondaryResults()).containsKey("refused");
        });
    }

    @Test
    void batchThatDiffersFromOperationsPerInvocation_isRefused() {
        Runner runner = new Runner(SmokeRuns.of(RecipeDispatchBenchmark.class)
                .param("recipes", "10")
                .param("batch", String.valueOf(SMALL_BATCH))
                .build());

        assertThatThrownBy(runner::run)
                .isInstanceOf(RunnerException.class)
                .hasStackTraceContaining("-opi " + SMALL_BATCH);
    }
}
