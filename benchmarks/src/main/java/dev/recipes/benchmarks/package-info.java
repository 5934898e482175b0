/**
 * JMH benchmarks of the engine's hot paths, one class per subject: each class measures one
 * part (a bus, the webhook ingress, the recipe index) and names it in its own name, such as
 * {@link dev.recipes.benchmarks.BusThroughputBenchmark}. Run them from the jar the module
 * builds; docs/benchmarks.md has the command and the latest numbers.
 */
package dev.recipes.benchmarks;
