/** The webhook contract: a request record with the raw body, a response record, a handler. */
package dev.recipes.core.webhook;
