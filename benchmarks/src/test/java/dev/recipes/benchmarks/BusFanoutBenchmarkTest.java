package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;

final class BusFanoutBenchmarkTest {

    private static final int SMALL_BATCH = 200;

    @Test
    void everyBusAndSubscriberCountRuns_andScoresEventsAndDeliveries() throws RunnerException {
        Collection<RunResult> results = new Runner(SmokeRuns.of(BusFanoutBenchmark.class)
                .param("batch", String.valueOf(SMALL_BATCH))
                .operationsPerInvocation(SMALL_BATCH)
                .build()).run();

        assertThat(results)
                .extracting(result -> result.getParams().getParam("bus") + " x "
                        + result.getParams().getParam("subscribers"))
                .containsExactlyInAnyOrder("in-memory x 1", "in-memory x 100", "handoff x 1",
                        "handoff x 100", "guava-sync x 1", "guava-sync x 100",
                        "guava-async x 1", "guava-async x 100");
        assertThat(results).allSatisfy(result -> {
            assertThat(result.getPrimaryResult().getScore()).isPositive();
            assertThat(result.getPrimaryResult().getScoreUnit()).isEqualTo("ops/s");
            assertThat(result.getSecondaryResults()).containsKeys("refused", "deliveries");
            int subscribers = Integer.parseInt(result.getParams().getParam("subscribers"));
            // Every invocation delivers each event to every subscriber, so the deliveries per
            // second are the events per second times the subscribers.
            assertThat(result.getSecondaryResults().get("deliveries").getScore())
                    .isCloseTo(result.getPrimaryResult().getScore() * subscribers,
                            org.assertj.core.data.Percentage.withPercentage(1));
        });
    }

    @Test
    void batchThatDiffersFromOperationsPerInvocation_isRefused() {
        Runner runner = new Runner(SmokeRuns.of(BusFanoutBenchmark.class)
                .param("bus", "handoff")
                .param("subscribers", "1")
                .param("batch", String.valueOf(SMALL_BATCH))
                .build());

        assertThatThrownBy(runner::run)
                .isInstanceOf(RunnerException.class)
                .hasStackTraceContaining("-opi " + SMALL_BATCH);
    }
}
