/**
 * A simulator of Standard Webhooks senders for tests: builds requests signed with
 * {@code whsec_} secrets ({@code v1}) or Ed25519 keys ({@code v1a}), several signatures per
 * header as during key rotation, and delivers them in-process or over HTTP.
 */
package dev.recipes.testkit.standardwebhooks;
