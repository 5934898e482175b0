/** Webhook signature schemes, checked on the raw request bytes in constant time. */
package dev.recipes.core.signature;
