/** Metrics of a metareward node: the catalogue of meter names, typed recording helpers and the Prometheus endpoint. */
package dev.metareward.metrics;
