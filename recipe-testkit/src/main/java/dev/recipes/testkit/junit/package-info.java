/**
 * The JUnit 5 extension for recipe tests: {@link dev.recipes.testkit.junit.RecipeTest} gives
 * each test a {@link dev.recipes.testkit.TestEngine} and fakes as parameters, and closes them
 * after it.
 */
package dev.recipes.testkit.junit;
