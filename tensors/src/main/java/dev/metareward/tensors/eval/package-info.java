/** Evaluation of fine-tuned policies: PL accuracy (paper Eq. 26) and temperature sampling of continuations. */
package dev.metareward.tensors.eval;
