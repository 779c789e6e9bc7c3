import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { exitOf } from './child-exit.js';
import { freePort } from './free-port.js';

/** A `redis-server` this process started, on loopback, without persistence. */
export interface ThrowawayRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The server's process id (for pausing or killing it on purpose). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** A `redis-server` could not be started; the message says why, and how to install one when it is missing. */
export class RedisServerError extends Error {
  override name = 'RedisServerError';
}

/** Whether a `redis-server` is on `PATH`. */
export function redisServerOnPath(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The line to print when there is no `redis-server`. */
export const installRedisHint =
  'no redis-server on PATH: install one (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)';

function launch(port: number, extraArgs: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (/Ready to accept connections/.test(output)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null) =>
      reject(
        new RedisServerError(`redis-server on port ${port} exited (${code}) before it was ready: ${output.trim()}`),
      );
    child.on('error', (error) =>
      reject(new RedisServerError(`cannot run redis-server: ${error.message}; ${installRedisHint}`, { cause: error })),
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', onExit);
  });
}

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Extra command-line arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
  /** The port to use (to restart a server where it was); a free one by default. */
  readonly port?: number;
}

/**
 * Starts `redis-server` from `PATH` on a loopback port (`options.port`, or
 * a free one) with persistence off (`--save '' --appendonly no`), plus
 * `options.args`, and resolves once it accepts connections. The caller
 * must `stop()` it.
 *
 * @throws {RedisServerError} when it cannot be started (not installed, or
 * it exits before it is ready; on a free port, three times in a row).
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<ThrowawayRedis> {
  const extraArgs = options.args ?? [];
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    let child: ChildProcess;
    try {
      child = await launch(port, extraArgs);
    } catch (error) {
      lastError = error;
      // Another process may have taken the port between our probe and the server's bind: try another.
      if (
        options.port === undefined &&
        error instanceof RedisServerError &&
        /Address already in use/.test(error.message)
      )
        continue;
      throw error;
    }
    const exited = exitOf(child);
    let stopping: Promise<void> | undefined;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid as number,
      stop() {
        stopping ??= (async () => {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
          await exited;
          clearTimeout(timer);
        })();
        return stopping;
      },
    };
  }
  throw lastError;
}
