package dev.metareward.cluster.node;

import dev.metareward.actors.CborSerializable;

/**
 * Published to every node (a distributed pub-sub topic) when the coordinator ends the run, so that every node
 * leaves and its process exits with the run's status.
 *
 * @param outcome how the run ended
 * @param version phi's final version
 * @param message what happened
 * @param byNode the node whose coordinator ended the run (it writes the report)
 */
public record RunEnded(RunEnd.Outcome outcome, long version, String message, String byNode)
        implements CborSerializable {

    /** The topic's name. */
    static final String TOPIC = "metareward-run-ended";
}
