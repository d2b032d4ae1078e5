/** Typed, immutable settings of a run, loaded from HOCON and validated before any work starts. */
package dev.metareward.config;
