/** The {@code metareward} command line: one picocli command per user task. */
package dev.metareward.cluster.cli;
