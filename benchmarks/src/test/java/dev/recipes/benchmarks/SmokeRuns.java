package dev.recipes.benchmarks;

import java.util.regex.Pattern;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Options for running a benchmark class briefly inside the test's own JVM: one warmup and one
 * measurement iteration of 200 ms per configuration. Such a run shows that the benchmark works,
 * not how fast anything is.
 */
final class SmokeRuns {

    private static final TimeValue ITERATION = TimeValue.milliseconds(200);

    private SmokeRuns() {
    }

    /**
     * Starts the options for every benchmark method of one class.
     *
     * @param benchmark the class
     * @return options that callers may add parameters to
     */
    static ChainedOptionsBuilder of(Class<?> benchmark) {
        return new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark.getName()) + "\\.")
                .forks(0)
                .warmupIterations(1)
                .warmupTime(ITERATION)
                .measurementIterations(1)
                .measurementTime(ITERATION)
                .shouldFailOnError(true);
    }
}
