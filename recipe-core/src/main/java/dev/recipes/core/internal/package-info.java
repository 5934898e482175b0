/** Implementation of the engine and the in-memory bus; not an API, may change at any time. */
package dev.recipes.core.internal;
