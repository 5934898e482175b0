/**
 * A general fake HTTP server on loopback, for fake provider APIs in plugin tests and as the
 * target of HTTP calls: it records every request and answers with scripted replies and faults.
 */
package dev.recipes.testkit.http;
