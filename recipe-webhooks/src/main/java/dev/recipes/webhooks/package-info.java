/**
 * Generic web services: the {@code webhook} service turns any sender that follows the Standard
 * Webhooks specification into a trigger, configured without code, and the {@code http} service
 * posts JSON to URLs on an allow-list, refusing private and internal addresses.
 */
package dev.recipes.webhooks;
