/** Pekko Cluster bootstrap and roles, the Aeron data plane and the command-line entry point. */
package dev.metareward.cluster;
