/**
 * An example service plugin for GitHub webhooks, written against the public service SPI only.
 */
package dev.recipes.examples.github;
