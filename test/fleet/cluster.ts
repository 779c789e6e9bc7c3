import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../redis/redis-server.js';

const run = promisify(execFile);

/** `redis-cli -p port …args`, resolving with its output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** One master of a {@link RedisCluster}: its port and the slot ranges it serves. */
export interface ClusterMaster {
  readonly port: number;
  readonly id: string;
  readonly slots: readonly (readonly [number, number])[];
}

/** One replica of a {@link RedisCluster}: its port, its process, and the master it replicates. */
export interface ClusterReplica {
  readonly port: number;
  readonly masterId: string;
  /** Its `redis-server` process (a test may pause it with SIGSTOP to make it lag). */
  readonly process: ChildProcess;
}

/** A Redis Cluster of masters, with or without replicas, on loopback, started for a test. */
export interface RedisCluster {
  readonly masters: readonly ClusterMaster[];
  /** Its replicas (none unless asked for). */
  readonly replicas: readonly ClusterReplica[];
  /** `CLUSTER KEYSLOT key`, as the cluster computes it. */
  keySlot(key: string): Promise<number>;
  /** The master serving `slot`. */
  masterOf(slot: number): ClusterMaster;
  /** Stops every node and removes their files; resolves once all have exited. */
  stop(): Promise<void>;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not there yet.
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `masters` cluster-enabled `redis-server`s on free loopback ports
 * without persistence (and `replicasPerMaster` replicas of each), joins
 * them with `redis-cli --cluster create`, and resolves once `CLUSTER INFO`
 * says `cluster_state:ok` on every node and every replica's link to its
 * master is up.
 */
export async function startRedisCluster(masters = 3, replicasPerMaster = 0): Promise<RedisCluster> {
  const count = masters * (1 + replicasPerMaster);
  const dir = await mkdtemp(join(tmpdir(), 'workpool-cluster-'));
  const nodes: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map(stopNode));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < count * 2) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    for (let i = 0; i < count; i++) {
      const port = ports[i] as number;
      const busPort = ports[count + i] as number;
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      );
      nodes.push(child);
    }
    const nodePorts = ports.slice(0, count);
    for (const port of nodePorts) {
      await waitFor(
        `redis-server on ${port} did not answer PING`,
        10_000,
        async () => (await redisCli(port, 'PING')).trim() === 'PONG',
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodePorts.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    for (const port of nodePorts) {
      await waitFor(`node ${port} did not report cluster_state:ok`, 20_000, async () =>
        (await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
    const first = nodePorts[0] as number;
    const describe = async () => (await redisCli(first, 'CLUSTER', 'NODES')).trim().split('\n');
    // Replicas are assigned after the slots, and the first node hears of them by gossip.
    await waitFor(`node ${first} did not see ${count - masters} replicas`, 20_000, async () => {
      const slaves = (await describe()).filter((line) => line.split(' ')[2]?.includes('slave'));
      return slaves.length === count - masters;
    });
    const lines = await describe();
    const portOf = (address: string) => Number(address.split('@')[0]?.split(':')[1]);
    const replicas: ClusterReplica[] = lines
      .map((line) => line.trim().split(' '))
      .filter(([, , flags = '']) => flags.includes('slave'))
      .map(([, address = '', , masterId = '']) => {
        const port = portOf(address);
        return { port, masterId, process: nodes[nodePorts.indexOf(port)] as ChildProcess };
      });
    for (const replica of replicas) {
      await waitFor(`replica ${replica.port} did not reach its master`, 20_000, async () =>
        (await redisCli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
      );
    }
    const described = lines
      .filter((line) => line.split(' ')[2]?.includes('master'))
      .map((line): ClusterMaster => {
        const [id = '', address = '', , , , , , , ...ranges] = line.trim().split(' ');
        const port = portOf(address);
        const slots = ranges
          .filter((r) => !r.startsWith('['))
          .map((r): [number, number] => {
            const [from, to] = r.split('-').map(Number);
            return [from as number, (to ?? from) as number];
          });
        return { id, port, slots };
      });
    return {
      masters: described,
      replicas,
      async keySlot(key) {
        return Number((await redisCli(first, 'CLUSTER', 'KEYSLOT', key)).trim());
      },
      masterOf(slot) {
        const master = described.find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));
        if (!master) throw new Error(`no master serves slot ${slot}`);
        return master;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
