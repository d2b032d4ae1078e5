/** The evaluator: takes the newest phi snapshot through a conflating stream, evaluates it and keeps the best phi. */
package dev.metareward.actors.evaluator;
