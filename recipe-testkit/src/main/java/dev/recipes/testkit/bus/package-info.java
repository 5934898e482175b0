/**
 * A conformance suite for {@link dev.recipes.core.EventBus} implementations: extend
 * {@link dev.recipes.testkit.bus.EventBusContract} in an adapter's tests to check it keeps the
 * bus contract.
 */
package dev.recipes.testkit.bus;
