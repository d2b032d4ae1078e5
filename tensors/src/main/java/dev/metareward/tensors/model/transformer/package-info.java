/** The decoder-only transformer base, its LoRA policy and reward adapters, the base warm start and its checkpoints. */
package dev.metareward.tensors.model.transformer;
