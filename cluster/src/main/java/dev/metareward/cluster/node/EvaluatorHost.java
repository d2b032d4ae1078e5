package dev.metareward.cluster.node;

import dev.metareward.actors.CborSerializable;
import dev.metareward.actors.evaluator.Evaluator;
import dev.metareward.actors.evaluator.EvaluatorSettings;
import dev.metareward.actors.evaluator.EvaluatorSummary;
import dev.metareward.actors.run.RunListener;
import java.io.IOException;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The evaluator as a Cluster Singleton on an evaluator-role node: the stream-fed {@link Evaluator} (it takes phi
 * broadcasts from this node's data plane) plus what other nodes may ask of it over the wire. Phi never travels in
 * an actor message: at the end of the run the best phi is written to {@link BestPhiFile} in
 * run.output-dir (shared storage), and the reply names its version only.
 */
final class EvaluatorHost {

    /** Messages of the evaluator host. */
    sealed interface Command permits Drain, Drained {
    }

    /**
     * Finish the evaluations up to {@code finalVersion}, store the best phi, reply with a digest.
     *
     * @param finalVersion phi's final version (its broadcast may still be on its way)
     */
    record Drain(long finalVersion, ActorRef<Digest> replyTo) implements Command, CborSerializable {
    }

    /**
     * What the evaluator found.
     *
     * @param bestVersion version of the best phi by training-domain PL accuracy (stored in best-phi.ckpt)
     * @param bestTrainingPlAccuracy its accuracy (NaN without a best)
     * @param evaluations evaluations run
     */
    record Digest(Optional<Long> bestVersion, double bestTrainingPlAccuracy, long evaluations)
            implements CborSerializable {
    }

    private record Drained(EvaluatorSummary summary, Throwable error, ActorRef<Digest> replyTo) implements Command {
    }

    private EvaluatorHost() {
    }

    static Behavior<Command> create(NodeRuntime node, RunListener listener) {
        return Behaviors.setup(context -> {
            // Start version 0: wherever the coordinator resumed, every kept version it broadcasts is evaluated.
            EvaluatorSettings settings = new EvaluatorSettings(node.config().run().id(),
                    node.config().training().evaluateEvery(), 0, node.config().outer().steps(),
                    node.config().timeouts().ask());
            ActorRef<Evaluator.Command> evaluator = context.spawn(Evaluator.create(
                    node.run().components().budgetedEvaluation(), listener, node.meters(), settings,
                    node.transport()), "evaluator");
            context.getLog().info("evaluator singleton runs on node {}", node.self().name());
            return Behaviors.receive(Command.class)
                    .onMessage(Drain.class, m -> {
                        context.ask(EvaluatorSummary.class, evaluator, node.config().timeouts().contribution(),
                                replyTo -> new Evaluator.Drain(m.finalVersion(), replyTo),
                                (summary, error) -> new Drained(summary, error, m.replyTo()));
                        return Behaviors.same();
                    })
                    .onMessage(Drained.class, m -> {
                        m.replyTo().tell(digest(context, node, m));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static Digest digest(ActorContext<Command> context, NodeRuntime node, Drained drained) {
        if (drained.summary() == null) {
            context.getLog().error("the evaluator did not drain: {}", String.valueOf(drained.error()));
            return new Digest(Optional.empty(), Double.NaN, 0);
        }
        EvaluatorSummary summary = drained.summary();
        if (summary.best().isEmpty()) {
            return new Digest(Optional.empty(), Double.NaN, summary.evaluated());
        }
        EvaluatorSummary.Best best = summary.best().get();
        try {
            BestPhiFile.write(node.config().run().outputDir(), best.phi(), best.result().version(),
                    best.result().trainingPlAccuracy());
        } catch (IOException e) {
            context.getLog().error("could not write the best phi to {}: {}; the report uses the final phi",
                    BestPhiFile.in(node.config().run().outputDir()), e.toString());
            return new Digest(Optional.empty(), Double.NaN, summary.evaluated());
        }
        return new Digest(Optional.of(best.result().version()), best.result().trainingPlAccuracy(),
                summary.evaluated());
    }
}
