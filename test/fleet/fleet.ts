import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FleetCommand, FleetEvent, GrantInfo, MemberConfig } from './protocol.js';

const source = fileURLToPath(new URL('./member-process.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

let bundled: Promise<string> | undefined;

/**
 * `member-process.ts` bundled once per test worker into plain JavaScript
 * (packages left to node_modules): a member process then starts on plain
 * `node`, without compiling the sources in every child, which takes seconds
 * on a loaded machine.
 */
function memberScript(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(root, 'node_modules', '.cache', 'xstate-workpool-fleet', `member-${process.pid}.mjs`);
    await build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
      outfile,
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

type Distributive<T> = T extends unknown ? Omit<T, 'req'> : never;
/** A command without its request number. */
export type CommandBody = Distributive<FleetCommand>;

/** Grant as a member process reported it, with its time. */
export interface Grant extends GrantInfo {
  readonly req: number;
  readonly at: bigint;
}

/** A pending `acquire` in a member process. */
export interface AcquireHandle {
  readonly req: number;
  /** Resolves once the request reached Redis (its place in the FIFO is fixed). */
  readonly queued: Promise<void>;
  /** Resolves with the lease, rejects with the error the member saw. */
  readonly granted: Promise<Grant>;
}

/**
 * A member of a Redis pool running in a child process (`member-process.ts`).
 * Every reported event is kept in {@link events}; waits are conditions on
 * them with deadlines.
 */
export class MemberProcess {
  readonly events: FleetEvent[] = [];
  #next = 0;
  #listeners = new Set<() => void>();
  exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly member: string,
    readonly name: string,
  ) {
    child.on('message', (event: FleetEvent) => this.#push(event));
    child.once('exit', () => {
      this.exited = true;
      this.#notify();
    });
  }

  #push(event: FleetEvent): void {
    this.events.push(event);
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Forks a member of `config.pool` and resolves once it has joined. */
  static async start(config: MemberConfig, name: string, timeoutMs = 20_000): Promise<MemberProcess> {
    const child = fork(await memberScript(), [], {
      execArgv: [],
      serialization: 'advanced',
      env: { ...process.env, FLEET_MEMBER: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<FleetEvent & { ev: 'ready' }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`member ${name} did not join within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', (event: FleetEvent) => {
        if (event.ev === 'ready') {
          clearTimeout(timer);
          resolve(event);
        } else if (event.ev === 'crash') {
          clearTimeout(timer);
          reject(new Error(`member ${name} crashed: ${event.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`member ${name} exited before joining (code ${code}, signal ${signal})`));
      });
    });
    return new MemberProcess(child, ready.member, name);
  }

  /** Resolves with the first event matching `match`, waiting up to `timeoutMs`. */
  waitFor<E extends FleetEvent>(what: string, match: (event: FleetEvent) => event is E, timeoutMs?: number): Promise<E>;
  waitFor(what: string, match: (event: FleetEvent) => boolean, timeoutMs?: number): Promise<FleetEvent>;
  waitFor(what: string, match: (event: FleetEvent) => boolean, timeoutMs = 10_000): Promise<FleetEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const crash = this.events.find((e) => e.ev === 'crash');
        const found = this.events.find(match);
        if (found || crash || this.exited) {
          clearTimeout(timer);
          this.#listeners.delete(check);
          if (found) resolve(found);
          else if (crash?.ev === 'crash')
            reject(new Error(`${this.name} crashed waiting for ${what}: ${crash.message}`));
          else reject(new Error(`${this.name} exited waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends `body` and resolves with its result, rejecting with the error the member reported. */
  async call<T = unknown>(body: CommandBody, timeoutMs = 10_000): Promise<T> {
    const req = this.#send(body);
    const reply = await this.waitFor(
      `reply to ${body.op}`,
      (e) => (e.ev === 'result' || e.ev === 'failed') && e.req === req,
      timeoutMs,
    );
    if (reply.ev === 'failed') {
      const error = new Error(`${this.name} ${body.op}: ${reply.name}: ${reply.message}`);
      error.name = reply.name;
      throw error;
    }
    return (reply as FleetEvent & { ev: 'result' }).value as T;
  }

  #send(body: CommandBody): number {
    const req = this.#next++;
    this.child.send({ ...body, req });
    return req;
  }

  /** Starts an `acquire` in the member; see {@link AcquireHandle}. */
  acquire(key?: string, timeoutMs = 20_000): AcquireHandle {
    const req = this.#send(key === undefined ? { op: 'acquire' } : { op: 'acquire', key });
    const queued = this.waitFor(`queued ${req}`, (e) => e.ev === 'queued' && e.req === req, timeoutMs).then(
      () => undefined,
    );
    const granted = this.waitFor(
      `grant of request ${req}`,
      (e) => (e.ev === 'granted' || e.ev === 'rejected') && e.req === req,
      timeoutMs,
    ).then((e) => {
      if (e.ev === 'rejected') {
        const error = new Error(`${this.name} request ${req}: ${e.name}: ${e.message}`);
        error.name = e.name;
        throw error;
      }
      return e as Grant;
    });
    granted.catch(() => undefined);
    queued.catch(() => undefined);
    return { req, queued, granted };
  }

  /** Aborts the signal of request `req`. */
  abort(req: number): Promise<void> {
    return this.call({ op: 'abort', target: req });
  }

  release(id: number): Promise<void> {
    return this.call({ op: 'release', id });
  }

  set(key: string, target: number): Promise<void> {
    return this.call({ op: 'set', key, target });
  }

  get(key: string): Promise<{ target: number; active: number }> {
    return this.call({ op: 'get', key });
  }

  keys(): Promise<string[]> {
    return this.call({ op: 'keys' });
  }

  /** The grants this member reported, in the order it reported them. */
  grants(): Grant[] {
    return this.events.filter((e): e is FleetEvent & { ev: 'granted' } => e.ev === 'granted') as Grant[];
  }

  /** Signal aborts this member reported. */
  signals(): (FleetEvent & { ev: 'signal' })[] {
    return this.events.filter((e): e is FleetEvent & { ev: 'signal' } => e.ev === 'signal');
  }

  /** Sends `signal` to the process (SIGKILL, SIGSTOP, SIGCONT). */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves once the process has exited. */
  exitedPromise(): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Stops the pool member (if alive) and ends the process; kills it if it does not end in time. */
  async close(): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.signalCode === null) this.child.kill('SIGCONT');
    try {
      await this.call({ op: 'stop' }, 3_000);
    } catch {
      // Dead, stopped or stuck: it is killed below.
    }
    const exit = this.exitedPromise();
    this.child.disconnect?.();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exit;
    clearTimeout(timer);
  }
}

/**
 * Starts `count` members of one pool in parallel, named `name0`, `name1`, …;
 * even ones on node-redis, odd ones on ioredis, so every fleet mixes both clients.
 */
export async function startMembers(
  config: Omit<MemberConfig, 'client'>,
  count: number,
  name = 'member',
): Promise<MemberProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      MemberProcess.start({ ...config, client: i % 2 === 0 ? 'node-redis' : 'ioredis' }, `${name}${i}`),
    ),
  );
  const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(members.map((m) => m.close()));
    throw failed.reason;
  }
  return members;
}

/** Milliseconds between two `process.hrtime.bigint()` readings. */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}
