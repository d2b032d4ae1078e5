/** Tokenizers, JSONL data sets with their train/eval splits, batching into {@code TokenBatch}es and seeded samplers. */
package dev.metareward.tensors.data;
