/** Algorithm 1 as a Pekko typed actor system: domain workers, reward coordinator, evaluator and run guardian in subpackages; {@link dev.metareward.actors.run.LocalTrainingRun} runs it in one JVM. */
package dev.metareward.actors;
