/** Small real components for actor tests: seeded batches, a quadratic per-domain objective. */
package dev.metareward.actors.testing;
