/** The Aeron data plane: signed, checksummed, fragmented vector frames between domain workers and the coordinator. */
package dev.metareward.cluster.aeron;
