/** What a run checkpoints (phi, optimizer state, version, every domain's data position) and where it is kept. */
package dev.metareward.actors.checkpoint;
