/** Checkpoint files (format version, shape header, SHA-256, atomic write) for phi, optimizer state and flat vectors, with rotation and fallback. */
package dev.metareward.tensors.checkpoint;
