/** Judges that score generated continuations for the held-out report: ground truth, an external command, an oracle reward model. */
package dev.metareward.tensors.judge;
