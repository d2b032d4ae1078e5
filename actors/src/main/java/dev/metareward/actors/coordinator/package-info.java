/** The reward coordinator: owns phi, validates and applies contributions, checkpoints and broadcasts phi. */
package dev.metareward.actors.coordinator;
