/** Builds the numeric components of a one-JVM training run from a config: models per worker, samplers, evaluation. */
package dev.metareward.cluster.local;
