package dev.metareward.cluster.node;

import dev.metareward.config.NodeSettings;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.dispatch.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Places domain workers (one shard per training domain) on worker nodes: only on a node whose {@code domains} allow
 * the domain, and there on the region with the fewest domains (ties: the earlier node of the config file), once the
 * regions of every Up worker node have registered (else the first node to register would get them all). A shard
 * is never moved while its node is alive (moving a worker mid-step loses the step); a lost node's shards are placed
 * again by the same rule.
 */
final class DomainAllocation extends ShardCoordinator.AbstractShardAllocationStrategy
        implements ShardCoordinator.ActorSystemDependentAllocationStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(DomainAllocation.class);

    private final List<NodeSettings> workers;
    private Cluster cluster;
    private Address selfAddress;

    /** @param workers the worker-role nodes of the config, in file order */
    DomainAllocation(List<NodeSettings> workers) {
        this.workers = List.copyOf(workers);
    }

    @Override
    public void start(ActorSystem system) {
        cluster = Cluster.get(system);
        selfAddress = cluster.selfAddress();
    }

    private long upWorkerNodes() {
        long up = 0;
        for (Member member : cluster.state().getMembers()) {
            if (member.status() == MemberStatus.up() && member.hasRole(NodeSettings.WORKER)) {
                up++;
            }
        }
        return up;
    }

    @Override
    public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
                                          Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
        long upWorkers = upWorkerNodes();
        if (currentShardAllocations.size() < upWorkers) {
            // Placing now would put every domain on the first worker node to register; sharding retries shortly.
            return Futures.failed(new IllegalStateException("waiting for the shard regions of all " + upWorkers
                    + " worker nodes to register before placing domain '" + shardId + "'"));
        }
        Optional<ActorRef> region = currentShardAllocations.entrySet().stream()
                .filter(e -> node(e.getKey()).map(n -> n.allows(shardId)).orElse(false))
                .min(Comparator.<Map.Entry<ActorRef, IndexedSeq<String>>>comparingInt(e -> e.getValue().size())
                        .thenComparingInt(e -> node(e.getKey()).map(workers::indexOf).orElse(Integer.MAX_VALUE)))
                .map(Map.Entry::getKey);
        if (region.isEmpty()) {
            // Failing the allocation makes sharding retry it; the domain waits for an allowed node to (re)join.
            LOG.warn("no live worker node allows domain '{}' (cluster.nodes[].domains); it waits until one joins",
                    shardId);
            return Futures.failed(new IllegalStateException("no live worker node allows domain '" + shardId + "'"));
        }
        return Futures.successful(region.get());
    }

    @Override
    public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> currentShardAllocations,
                                         Set<String> rebalanceInProgress) {
        return Futures.successful(new HashSet<>());
    }

    /** The configured node a shard region runs on (a local region's path has no host: it is this node). */
    private Optional<NodeSettings> node(ActorRef region) {
        Address address = region.path().address().hasLocalScope() ? selfAddress : region.path().address();
        return workers.stream().filter(n -> address.host().map(h -> h.equals(n.host())).getOrElse(() -> false)
                && address.port().map(p -> ((Integer) p) == n.port()).getOrElse(() -> false)).findFirst();
    }
}
