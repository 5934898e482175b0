/** Helpers shared by the testkit's fakes and simulators; not an API, may change at any time. */
package dev.recipes.testkit.internal;
