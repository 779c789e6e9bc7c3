import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOf } from '../../demo/child-exit.js';
import { freePort } from '../../demo/free-port.js';

/** How a sentinel watches its primary. */
export interface SentinelConfig {
  /** The name clients ask the sentinels for. */
  readonly masterName: string;
  /** The primary's loopback port. */
  readonly primaryPort: number;
  /** How many sentinels must agree the primary is down. */
  readonly quorum: number;
  /** How long the primary may not answer before a sentinel thinks it down, ms. */
  readonly downAfterMs: number;
  /** Sentinel's failover-timeout, ms. */
  readonly failoverTimeoutMs: number;
}

/** A `redis-server --sentinel` this process started on loopback. */
export interface SentinelProcess {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Stops it (SIGKILL: a sentinel keeps nothing worth a clean shutdown) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

function configText(port: number, dir: string, config: SentinelConfig): string {
  const { masterName: name } = config;
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir "${dir}"`,
    `sentinel monitor ${name} 127.0.0.1 ${config.primaryPort} ${config.quorum}`,
    `sentinel down-after-milliseconds ${name} ${config.downAfterMs}`,
    `sentinel failover-timeout ${name} ${config.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n');
}

function launch(conf: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      // Its last startup line: it listens and watches the primary from here on.
      if (/\+monitor master/.test(output)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`redis-server --sentinel exited (${code}) before it was ready: ${output.trim()}`));
    child.on('error', reject);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', onExit);
  });
}

/**
 * Starts a sentinel watching `config.primaryPort`, its config file (which
 * it rewrites as it learns the topology) in `dir`, on a free loopback port;
 * resolves once it watches the primary. The caller must `stop()` it.
 */
export async function startSentinel(dir: string, config: SentinelConfig): Promise<SentinelProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(conf, configText(port, dir, config));
    let child: ChildProcess;
    try {
      child = await launch(conf);
    } catch (error) {
      lastError = error;
      // Another process may have taken the port between our probe and the sentinel's bind.
      if (error instanceof Error && /Address already in use/.test(error.message)) continue;
      throw error;
    }
    const exited = exitOf(child);
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      stop() {
        stopping ??= (async () => {
          child.kill('SIGKILL');
          await exited;
        })();
        return stopping;
      },
    };
  }
  throw lastError;
}
