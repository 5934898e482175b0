/**
 * Benchmarks of the engine's hot paths, each against a baseline measured in the same run: JMH
 * benchmarks, one class per subject (a bus, the bus's fan-out, recipe dispatch), such as
 * {@link dev.recipes.benchmarks.BusThroughputBenchmark}, and
 * {@link dev.recipes.benchmarks.SlackIngressBenchmark}, which drives whole server processes
 * over loopback HTTP. Run them from the jar the module builds; docs/benchmarks.md has the
 * commands and the latest numbers.
 */
package dev.recipes.benchmarks;
