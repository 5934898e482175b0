/** Test support shared by the provider fakes and simulators: a controllable clock. */
package dev.recipes.testkit;
