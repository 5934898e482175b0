/** The extension points a service plugin implements: service, action, and their context. */
package dev.recipes.core.spi;
