/** The phases of a training run around meta-training: base warm start, held-out evaluation, provenance. */
package dev.metareward.tensors.pipeline;
