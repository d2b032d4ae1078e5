/** What training.mode means (sync or async aggregation), in one place shared by the coordinator and the workers. */
package dev.metareward.actors.aggregation;
