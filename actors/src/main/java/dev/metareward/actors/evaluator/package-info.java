/** The evaluator: subscribes to the phi broadcasts, evaluates the newest kept snapshot through a conflating stream and keeps the best phi. */
package dev.metareward.actors.evaluator;
