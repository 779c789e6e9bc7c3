/**
 * One member of a Redis pool in its own Node process, driven by a test over
 * IPC (see `protocol.ts`). Started by `fleet.ts` with `node --import tsx`.
 */
import { createRedisPool, type RedisLease } from '../../src/redis/index.js';
import { connectClient } from '../redis/clients.js';
import { connectCluster } from './cluster-clients.js';
import type { FleetCommand, FleetEvent, MemberConfig } from './protocol.js';

const config: MemberConfig = JSON.parse(process.env.FLEET_MEMBER ?? '{}');
const send = (event: FleetEvent) => process.send?.(event);
const now = () => process.hrtime.bigint();

function describeError(error: unknown): { name: string; message: string; cause?: string } {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
    return { name: error.name, message: error.message, ...(cause ? { cause } : {}) };
  }
  return { name: 'unknown', message: String(error) };
}

process.on('uncaughtException', (error) => send({ ev: 'crash', message: String(error?.stack ?? error) }));
process.on('unhandledRejection', (error) => send({ ev: 'crash', message: String((error as Error)?.stack ?? error) }));

const connection = config.cluster
  ? await connectCluster(config.client, config.cluster)
  : await connectClient(config.client, config.url);
const pool = await createRedisPool<string>({
  redis: connection.client,
  name: config.pool,
  leaseTtl: config.leaseTtl,
  ...(config.shards === undefined ? {} : { shards: config.shards }),
});

const leases = new Map<number, RedisLease<string>>();
const requests = new Map<number, AbortController>();
let workers: { stop: AbortController; done: Promise<void>[]; counts: Record<string, number> } | undefined;

function watch(lease: RedisLease<string>): void {
  leases.set(lease.id, lease);
  lease.signal.addEventListener('abort', () => {
    const { name, message } = describeError(lease.signal.reason);
    send({ ev: 'signal', id: lease.id, key: lease.key, name, message, at: now() });
  });
}

/** Resolves once everything this member wrote to its connection before has been answered by Redis. */
async function barrier(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await pool.keys();
}

async function work(signal: AbortSignal, holdMs: number, counts: Record<string, number>): Promise<void> {
  while (!signal.aborted) {
    let lease: RedisLease<string>;
    try {
      lease = await pool.acquire({ signal });
    } catch {
      return;
    }
    counts[lease.key] = (counts[lease.key] ?? 0) + 1;
    send({ ev: 'work', key: lease.key });
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await lease.release();
  }
}

async function handle(command: FleetCommand): Promise<unknown> {
  switch (command.op) {
    case 'acquire': {
      const controller = new AbortController();
      requests.set(command.req, controller);
      const options = { signal: controller.signal, ...(command.key === undefined ? {} : { key: command.key }) };
      pool.acquire(options).then(
        (lease) => {
          watch(lease);
          send({ ev: 'granted', req: command.req, id: lease.id, key: lease.key, at: now() });
        },
        (error: unknown) => send({ ev: 'rejected', req: command.req, ...describeError(error), at: now() }),
      );
      await barrier();
      send({ ev: 'queued', req: command.req, at: now() });
      return undefined;
    }
    case 'abort':
      requests.get(command.target)?.abort(new Error(`request ${command.target} aborted by the test`));
      return undefined;
    case 'tryAcquire': {
      const lease = await pool.tryAcquire(command.key === undefined ? {} : { key: command.key });
      if (!lease) return null;
      watch(lease);
      return { id: lease.id, key: lease.key };
    }
    case 'release': {
      const lease = leases.get(command.id);
      if (!lease) throw new Error(`no lease ${command.id} in this member`);
      await lease.release();
      return undefined;
    }
    case 'set':
      await pool.set(command.key, command.target);
      return undefined;
    case 'get':
      return await pool.get(command.key);
    case 'keys':
      return await pool.keys();
    case 'workers': {
      const stop = new AbortController();
      const counts: Record<string, number> = {};
      const done = Array.from({ length: command.count }, () => work(stop.signal, command.holdMs, counts));
      workers = { stop, done, counts };
      return undefined;
    }
    case 'stopWorkers': {
      if (!workers) return {};
      workers.stop.abort();
      await Promise.all(workers.done);
      return workers.counts;
    }
    case 'stop':
      await pool.stop();
      await connection.close();
      return undefined;
  }
}

process.on('message', (command: FleetCommand) => {
  handle(command).then(
    (value) => send({ ev: 'result', req: command.req, value, at: now() }),
    (error: unknown) => send({ ev: 'failed', req: command.req, ...describeError(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ ev: 'ready', member: pool.member, pid: process.pid });
