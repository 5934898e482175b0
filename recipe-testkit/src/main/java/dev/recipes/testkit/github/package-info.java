/**
 * A GitHub simulator for tests: builds webhook deliveries shaped and signed as GitHub sends
 * them ({@code ping}, {@code push}, {@code issues}, {@code pull_request} and any other event)
 * and delivers them in-process or over HTTP.
 */
package dev.recipes.testkit.github;
