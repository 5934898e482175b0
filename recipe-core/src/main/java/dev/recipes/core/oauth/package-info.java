/**
 * Pieces of the OAuth 2.0 authorization code flow that service plugins share: the
 * {@code state} that ties an install's callback to its start.
 */
package dev.recipes.core.oauth;
