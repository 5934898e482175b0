/** The event model, recipes and their builders, the engine, the bus and connections. */
package dev.recipes.core;
