import type { Redis as IORedis } from 'ioredis';
import { type CommandCounts, commandDelta, readCommandCounts } from './redis-info.js';

/** One Redis node's counters for the D9 Cluster figures: its commands and CPU, and what it sent where. */
export interface NodeStats extends CommandCounts {
  /** `total_net_output_bytes` (`INFO stats`): every byte it wrote to clients, pub/sub messages included. */
  readonly netOutputBytes: number;
  /**
   * `CLUSTER INFO` `cluster_stats_messages_publish_sent`: classic `PUBLISH`
   * messages it relayed to other nodes over the cluster bus (a Cluster
   * broadcasts each one to every node).
   */
  readonly busPublishSent: number;
  /** `…_publish_received`: classic `PUBLISH` messages it got from other nodes. */
  readonly busPublishReceived: number;
  /** `…_publishshard_sent`: `SPUBLISH` messages it relayed over the bus (to its shard's replicas only). */
  readonly busShardSent: number;
}

function field(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

/** Reads a node's {@link NodeStats}: `INFO all` and, on a Cluster node, `CLUSTER INFO`. */
export async function readNodeStats(node: IORedis, cluster: boolean): Promise<NodeStats> {
  const [counts, info, bus] = await Promise.all([
    readCommandCounts(node),
    node.info('stats'),
    cluster ? (node.call('CLUSTER', 'INFO') as Promise<string>) : Promise.resolve(''),
  ]);
  return {
    ...counts,
    netOutputBytes: field(info, 'total_net_output_bytes'),
    busPublishSent: field(bus, 'cluster_stats_messages_publish_sent'),
    busPublishReceived: field(bus, 'cluster_stats_messages_publish_received'),
    busShardSent: field(bus, 'cluster_stats_messages_publishshard_sent'),
  };
}

/** `after − before` of each counter. */
export function nodeDelta(before: NodeStats, after: NodeStats): NodeStats {
  return {
    ...commandDelta(before, after),
    netOutputBytes: after.netOutputBytes - before.netOutputBytes,
    busPublishSent: after.busPublishSent - before.busPublishSent,
    busPublishReceived: after.busPublishReceived - before.busPublishReceived,
    busShardSent: after.busShardSent - before.busShardSent,
  };
}

/** Calls of `command` in `stats` (`INFO commandstats`, calls made inside scripts included). */
export function callsOf(stats: CommandCounts, command: string): number {
  return stats.perCommand.get(command) ?? 0;
}
