import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis as IORedis } from 'ioredis';
import { startRedisServer, type ThrowawayRedis } from '../../demo/redis-server.js';
import { connectClient, type TestClient } from '../../test/redis/clients.js';
import { ReplicationRelay } from '../../test/redis/replication-relay.js';
import {
  info,
  masterName,
  primaryListsReplica,
  sentinelCanPromote,
  sentinelTiming,
} from '../../test/redis/sentinel.js';
import { type SentinelProcess, startSentinel } from '../../test/redis/sentinel-process.js';
import { waitFor } from '../../test/redis/wait-for.js';
import { now } from './events.js';

/** One `redis-server` of the set, with a plain connection to it for INFO, WAIT and REPLICAOF. */
interface Node {
  readonly server: ThrowawayRedis;
  readonly client: TestClient;
}

/** What one {@link FailoverSet.failover} did, in `now()` milliseconds. */
export interface FailoverTimes {
  /** When the relay began holding back the replication stream (absent: no lag asked for). */
  readonly holdFrom?: number;
  /** Bytes of replication the replica had not received when the primary was killed. */
  readonly heldBytes: number;
  /** Just before the SIGKILL of the primary. */
  readonly kill: number;
  /** When every sentinel named the replica as primary and it said it was one. */
  readonly promoted: number;
  /** When the killed server was back, in sync as the new replica, and fit for the next promotion. */
  readonly back: number;
  /** The killed primary's port and the promoted replica's. */
  readonly from: number;
  readonly to: number;
}

/**
 * How long a sentinel waits for an unanswering primary. A sentinel PINGs
 * once a second and counts from the last reply, so a primary must not fail
 * over on its own (the run would not know of that failover, and could not
 * judge what it lost) when the run's CLIENT PAUSE (at most 500 ms) delays
 * one reply: that is up to 1.5 s without a reply. At 1 s, two 10-minute runs
 * on this machine ended in failovers the sentinels made by themselves.
 */
const downAfterMs = 2_000;

/** A failover on a loaded machine can take several seconds; past this, the run fails. */
const PROMOTION_TIMEOUT_MS = 30_000;

const serverArgs = (dir: string) => ['--dir', dir, '--repl-diskless-sync-delay', '0'];

/**
 * A primary, a replica replicating through a {@link ReplicationRelay} and
 * three sentinels on loopback, that can fail over again and again: each
 * {@link FailoverSet.failover} kills the primary (SIGKILL, optionally with
 * the replica held behind first), waits for the sentinels to promote the
 * replica, and restarts the killed server empty, as a replica of the new
 * primary through a new relay, so that the next failover has a target.
 * Clients reach whichever is primary through {@link FailoverSet.sentinels}.
 */
export class FailoverSet {
  readonly masterName = masterName;
  readonly #dir: string;
  #primary: Node;
  #replica: Node;
  /** The replica's link to the primary. */
  #relay: ReplicationRelay;
  readonly #sentinels: SentinelProcess[];
  readonly #sentinelClients: TestClient[];
  #failovers = 0;
  /** Subscribed to every event of the first sentinel. */
  #listener: IORedis | undefined;
  readonly #events: { readonly t: number; readonly event: string }[] = [];

  private constructor(
    dir: string,
    primary: Node,
    replica: Node,
    relay: ReplicationRelay,
    sentinels: SentinelProcess[],
    sentinelClients: TestClient[],
  ) {
    this.#dir = dir;
    this.#primary = primary;
    this.#replica = replica;
    this.#relay = relay;
    this.#sentinels = sentinels;
    this.#sentinelClients = sentinelClients;
  }

  /**
   * Starts the set and resolves once the replica is in sync through its
   * relay and every sentinel could promote it. On failure, what was
   * started is stopped.
   */
  static async start(): Promise<FailoverSet> {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-sentinel-'));
    const started: Array<{ stop(): Promise<void> }> = [];
    const clients: TestClient[] = [];
    let relay: ReplicationRelay | undefined;
    try {
      const primaryServer = await startRedisServer({ args: serverArgs(dir) });
      started.push(primaryServer);
      const primary = { server: primaryServer, client: await connectClient('node-redis', primaryServer.url) };
      clients.push(primary.client);
      relay = await ReplicationRelay.start(primaryServer.port);
      const replica = await FailoverSet.#startReplica(dir, undefined, relay);
      started.push(replica.server);
      clients.push(replica.client);
      await waitFor(() => primaryListsReplica(primary.client, replica.server.port), {
        timeout: 10_000,
        what: 'the primary listing the replica at its own port',
      });
      const sentinels: SentinelProcess[] = [];
      for (let i = 0; i < 3; i++) {
        const sentinel = await startSentinel(dir, { ...sentinelTiming, downAfterMs, primaryPort: primaryServer.port });
        started.push(sentinel);
        sentinels.push(sentinel);
      }
      const sentinelClients = await Promise.all(
        sentinels.map((s) => connectClient('node-redis', `redis://127.0.0.1:${s.port}`)),
      );
      clients.push(...sentinelClients);
      const set = new FailoverSet(dir, primary, replica, relay, sentinels, sentinelClients);
      await set.#listen();
      await set.#fitForPromotion();
      return set;
    } catch (error) {
      await Promise.allSettled(clients.map((client) => client.close()));
      await Promise.allSettled(started.map((process) => process.stop()));
      await relay?.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where the sentinels listen, as both clients take them. */
  get sentinels(): readonly { readonly host: string; readonly port: number }[] {
    return this.#sentinels.map(({ host, port }) => ({ host, port }));
  }

  /**
   * What the first sentinel announced (`+sdown`, `+switch-master`,
   * `+fix-slave-config`…; not its hello messages), with when: to tell
   * afterwards why the topology changed.
   */
  get events(): readonly { readonly t: number; readonly event: string }[] {
    return this.#events;
  }

  /** How many failovers this set has been through. */
  get failovers(): number {
    return this.#failovers;
  }

  /**
   * The sentinels' config epoch of the primary: one more per failover any
   * of them made. More than {@link FailoverSet.failovers} means a failover
   * this set did not cause (a primary too slow to answer, taken for dead).
   */
  async configEpoch(): Promise<number> {
    const flat = (await this.#sentinelClients[0]?.command(['SENTINEL', 'MASTER', masterName])) as string[];
    return Number(flat[flat.indexOf('config-epoch') + 1]);
  }

  /**
   * Fails over once: if `lagMs` > 0, holds back the replication stream for
   * that long (what the primary runs meanwhile reaches the replica never),
   * then kills the primary with SIGKILL, waits for the promotion, and
   * brings the killed server back as the new replica. `beforeKill` runs
   * just before the SIGKILL. Rejects if the promotion or the return does
   * not come within its deadline.
   */
  async failover(lagMs: number, beforeKill: () => void = () => {}): Promise<FailoverTimes> {
    await this.#throughRelay();
    let holdFrom: number | undefined;
    if (lagMs > 0) {
      holdFrom = now();
      this.#relay.hold();
      // The lag itself: how long the replica falls behind is the chaos chosen, not a wait for something.
      await sleep(lagMs);
    }
    const heldBytes = this.#relay.heldBytes;
    const old = this.#primary;
    beforeKill();
    const kill = now();
    await old.client.close();
    process.kill(old.server.pid, 'SIGKILL');
    await old.server.stop();
    await this.#relay.close();
    await this.#promoted();
    const promoted = now();
    this.#failovers++;
    this.#primary = this.#replica;
    this.#relay = await ReplicationRelay.start(this.#primary.server.port);
    // Back where it was, empty (no persistence), replicating from the new primary through the new relay.
    this.#replica = await FailoverSet.#startReplica(this.#dir, old.server.port, this.#relay);
    await this.#fitForPromotion();
    return {
      ...(holdFrom === undefined ? {} : { holdFrom }),
      heldBytes,
      kill,
      promoted,
      back: now(),
      from: old.server.port,
      to: this.#primary.server.port,
    };
  }

  /** Stops every process and relay, closes every connection, removes the temp dir. */
  async stop(): Promise<void> {
    const clients = [this.#primary.client, this.#replica.client, ...this.#sentinelClients];
    this.#listener?.disconnect();
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled([this.#primary.server, this.#replica.server, ...this.#sentinels].map((p) => p.stop()));
    await this.#relay.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #listen(): Promise<void> {
    const first = this.#sentinels[0] as SentinelProcess;
    const listener = new IORedis(first.port, first.host, { lazyConnect: true });
    listener.on('error', () => {});
    this.#listener = listener;
    await listener.connect();
    await listener.psubscribe('*');
    listener.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if (!channel.startsWith('__sentinel__:')) this.#events.push({ t: now(), event: `${channel} ${message}` });
    });
  }

  /** Starts a replica (on `port`, or a free one) of whatever `relay` leads to, and resolves once it is in sync. */
  static async #startReplica(dir: string, port: number | undefined, relay: ReplicationRelay): Promise<Node> {
    const args = [...serverArgs(dir), '--replicaof', '127.0.0.1', String(relay.port)];
    const server = await startRedisServer(port === undefined ? { args } : { args, port });
    const client = await connectClient('node-redis', server.url);
    await waitFor(async () => (await info(client, 'replication')).get('master_link_status') === 'up', {
      timeout: 20_000,
      what: `the replica on ${server.port} in sync`,
    });
    return { server, client };
  }

  /**
   * Makes the replica replicate through the relay again if a sentinel
   * pointed it straight at the primary (`+fix-slave-config`: a sentinel
   * re-points a replica whose master address is not the one it knows,
   * after `failover-timeout`), and resolves once it has every write the
   * primary has run.
   */
  async #throughRelay(): Promise<void> {
    const replication = await info(this.#replica.client, 'replication');
    const primaryRole = (await info(this.#primary.client, 'replication')).get('role');
    if (primaryRole !== 'master' || replication.get('role') !== 'slave') {
      throw new Error(
        `the set's roles changed behind its back: ${this.#primary.server.port} is a ${primaryRole}, ` +
          `${this.#replica.server.port} a ${replication.get('role')}; sentinel events: ${this.#events
            .slice(-12)
            .map((e) => e.event)
            .join('; ')}`,
      );
    }
    if (replication.get('master_port') !== String(this.#relay.port)) {
      await this.#replica.client.command(['REPLICAOF', '127.0.0.1', String(this.#relay.port)]);
      await waitFor(
        async () => {
          const fields = await info(this.#replica.client, 'replication');
          return fields.get('master_port') === String(this.#relay.port) && fields.get('master_link_status') === 'up';
        },
        { timeout: 20_000, what: 'the replica in sync through the relay again' },
      );
    }
    const acknowledged = Number(await this.#primary.client.command(['WAIT', '1', '5000']));
    if (acknowledged < 1) throw new Error('the replica did not acknowledge the primary’s writes within 5 s');
  }

  /** Resolves once every sentinel names the replica as primary and it says it is one. */
  async #promoted(): Promise<void> {
    const port = String(this.#replica.server.port);
    await waitFor(
      async () => {
        for (const client of this.#sentinelClients) {
          const address = (await client.command(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName])) as string[];
          if (address?.[1] !== port) return false;
        }
        return (await info(this.#replica.client, 'replication')).get('role') === 'master';
      },
      { timeout: PROMOTION_TIMEOUT_MS, interval: 20, what: 'the replica promoted by every sentinel' },
    );
  }

  /** Resolves once the primary lists the replica and every sentinel could promote it. */
  async #fitForPromotion(): Promise<void> {
    const port = this.#replica.server.port;
    await waitFor(() => primaryListsReplica(this.#primary.client, port), {
      timeout: 20_000,
      what: 'the primary listing the replica',
    });
    const everySentinelCanPromote = async () => {
      for (const client of this.#sentinelClients) if (!(await sentinelCanPromote(client, port))) return false;
      return true;
    };
    // Sentinels refresh a replica's INFO every 10 s: a restarted one can take that long to look fit.
    const fit = { timeout: 30_000, interval: 100, what: 'every sentinel seeing the replica fit for promotion' };
    try {
      await waitFor(everySentinelCanPromote, fit);
    } catch {
      // After many failovers a sentinel can keep a stale record of a replica (seen on a loaded machine, 10th
      // failover): forget what they learned of this primary's replicas and let them learn it again.
      console.log(`failover set: sentinels did not see replica ${port} fit within 30 s; SENTINEL RESET, then again`);
      for (const client of this.#sentinelClients) await client.command(['SENTINEL', 'RESET', masterName]);
      await waitFor(everySentinelCanPromote, fit);
    }
  }
}
