/** The data plane between domain workers and the reward coordinator: frames, their checksum, and an in-process transport. */
package dev.metareward.actors.transport;
