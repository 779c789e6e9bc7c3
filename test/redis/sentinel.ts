import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, type TestClient } from './clients.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { ReplicationRelay } from './replication-relay.js';
import { type SentinelConfig, type SentinelProcess, startSentinel } from './sentinel-process.js';
import { waitFor } from './wait-for.js';

/** Where a sentinel listens, as both clients take it. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A primary, one replica replicating through a {@link ReplicationRelay},
 * and three sentinels watching them, all on loopback. A failover takes
 * ~1–3 s after the primary dies.
 */
export interface SentinelSet {
  /** The name the sentinels know the primary by. */
  readonly masterName: string;
  readonly sentinels: readonly SentinelAddress[];
  readonly primary: RedisServer;
  readonly replica: RedisServer;
  /** The replica's replication link: `hold()` makes it fall behind the primary. */
  readonly relay: ReplicationRelay;
  /** Resolves once the replica has every write the primary has run (WAIT); rejects if it does not within 2 s. */
  caughtUp(): Promise<void>;
  /** Kills the primary with SIGKILL (no shutdown, no last replication) and resolves once it has exited. */
  killPrimary(): Promise<void>;
  /**
   * Resolves once every sentinel names the replica as the primary and the
   * replica says it is one; rejects when `timeoutMs` passes first.
   */
  waitForPromotion(timeoutMs: number): Promise<void>;
  /** Stops every process and the relay, closes its connections, removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** The name the sentinels of a set know its primary by. */
export const masterName = 'workpool-primary';

/** Short enough that a failover takes ~1–3 s, long enough that a busy 2-core machine is not a dead primary. */
export const sentinelTiming: Omit<SentinelConfig, 'primaryPort'> = {
  masterName,
  quorum: 2,
  downAfterMs: 600,
  failoverTimeoutMs: 2_000,
};

/** `INFO <section>` of the server `client` is connected to, as fields. */
export async function info(client: TestClient, section: string): Promise<Map<string, string>> {
  const text = String(await client.command(['INFO', section]));
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** A flat list of names and values (how RESP2 gives a sentinel's records) as fields. */
function fieldsOf(flat: unknown): Map<string, string> {
  const list = Array.isArray(flat) ? flat : [];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), String(list[i + 1]));
  return fields;
}

/**
 * Whether a sentinel knows the two other sentinels, and the replica at the
 * replica's own port: it must talk to the replica directly, only
 * replication goes through the relay.
 */
export async function sentinelReady(sentinel: TestClient, replicaPort: number): Promise<boolean> {
  const master = fieldsOf(await sentinel.command(['SENTINEL', 'MASTER', masterName]));
  if (master.get('num-other-sentinels') !== '2') return false;
  const replicas = (await sentinel.command(['SENTINEL', 'REPLICAS', masterName])) as unknown[];
  return replicas.length === 1 && fieldsOf(replicas[0]).get('port') === String(replicaPort);
}

/**
 * Whether a sentinel could promote the replica at `replicaPort` now: it
 * knows it (as {@link sentinelReady}), sees it up (flags just `slave`, no
 * `s_down` or `disconnected`) with its link to the primary up. A replica
 * restarted a moment ago is known but not yet fit until the next INFO.
 */
export async function sentinelCanPromote(sentinel: TestClient, replicaPort: number): Promise<boolean> {
  if (!(await sentinelReady(sentinel, replicaPort))) return false;
  const replicas = (await sentinel.command(['SENTINEL', 'REPLICAS', masterName])) as unknown[];
  const replica = fieldsOf(replicas[0]);
  return replica.get('flags') === 'slave' && replica.get('master-link-status') === 'ok';
}

/**
 * Whether the primary lists the replica at the replica's own port: sentinels
 * learn replicas from the primary's INFO, where the port is the one the
 * replica announced (REPLCONF listening-port), not that of the connection,
 * which is the relay's.
 */
export async function primaryListsReplica(primary: TestClient, replicaPort: number): Promise<boolean> {
  const fields = await info(primary, 'replication');
  return /^ip=127\.0\.0\.1,port=(\d+),state=online/.exec(fields.get('slave0') ?? '')?.[1] === String(replicaPort);
}

/**
 * Starts a {@link SentinelSet}: a primary, a replica of it through a relay
 * (in sync before this resolves), then three sentinels, and resolves once
 * each sentinel knows the replica and the two other sentinels, so that a
 * failover can start at once. Servers keep their files in a fresh temp dir.
 * The caller must `stop()` it; on failure, what was started is stopped.
 */
export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'workpool-sentinel-'));
  const processes: Array<{ stop(): Promise<void> }> = [];
  const clients: TestClient[] = [];
  let relay: ReplicationRelay | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
      await Promise.allSettled(processes.map((process) => process.stop()));
      await relay?.close();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    // Diskless full sync, at once: no RDB file in the working directory, no 5 s wait for more replicas.
    const primary = await startRedisServer({ args: ['--dir', dir, '--repl-diskless-sync-delay', '0'] });
    processes.push(primary);
    relay = await ReplicationRelay.start(primary.port);
    const replica = await startRedisServer({ args: ['--dir', dir, '--replicaof', '127.0.0.1', String(relay.port)] });
    processes.push(replica);
    const primaryClient = await connectClient('node-redis', primary.url);
    const replicaClient = await connectClient('node-redis', replica.url);
    clients.push(primaryClient, replicaClient);
    await waitFor(async () => (await info(replicaClient, 'replication')).get('master_link_status') === 'up', {
      what: 'the replica in sync',
    });
    await waitFor(() => primaryListsReplica(primaryClient, replica.port), {
      what: 'the primary listing the replica at its own port',
    });

    const sentinelProcesses: SentinelProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await startSentinel(dir, { ...sentinelTiming, primaryPort: primary.port });
      processes.push(sentinel);
      sentinelProcesses.push(sentinel);
    }
    const sentinelClients = await Promise.all(
      sentinelProcesses.map((sentinel) => connectClient('node-redis', `redis://127.0.0.1:${sentinel.port}`)),
    );
    clients.push(...sentinelClients);
    // Sentinels find each other by hello messages on the primary, every 2 s.
    await waitFor(
      async () => {
        for (const client of sentinelClients) if (!(await sentinelReady(client, replica.port))) return false;
        return true;
      },
      { timeout: 10_000, interval: 50, what: 'every sentinel knowing the replica and the other sentinels' },
    );

    const liveRelay = relay;
    return {
      masterName,
      sentinels: sentinelProcesses.map(({ host, port }) => ({ host, port })),
      primary,
      replica,
      relay: liveRelay,
      async caughtUp() {
        const acknowledged = Number(await primaryClient.command(['WAIT', '1', '2000']));
        if (acknowledged < 1) throw new Error('the replica did not acknowledge the primary’s writes within 2 s');
      },
      async killPrimary() {
        await primaryClient.close();
        process.kill(primary.pid, 'SIGKILL');
        await primary.stop();
      },
      async waitForPromotion(timeoutMs) {
        const promoted = ['127.0.0.1', String(replica.port)];
        await waitFor(
          async () => {
            for (const client of sentinelClients) {
              const address = (await client.command(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName])) as string[];
              if (address?.[0] !== promoted[0] || address?.[1] !== promoted[1]) return false;
            }
            return (await info(replicaClient, 'replication')).get('role') === 'master';
          },
          { timeout: timeoutMs, interval: 50, what: 'the replica promoted by every sentinel' },
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
