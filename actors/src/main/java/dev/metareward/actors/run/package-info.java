/** A training run in one JVM: the run guardian, its result, its listener, and the {@link dev.metareward.actors.run.LocalTrainingRun} entry point. */
package dev.metareward.actors.run;
