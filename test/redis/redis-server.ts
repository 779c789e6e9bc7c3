import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** Where Debian's `redis-server` package puts the binary; any on PATH is used. */
function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The `redis-server` on PATH, if any. */
export const redisServerPath = findRedisServer();

/**
 * Whether the Redis tests run: where `redis-server` is on PATH, or where CI
 * says they must (REQUIRE_REDIS=1), so that there a missing server fails
 * instead of skipping.
 */
export const redisTestsRun = redisServerPath !== undefined || process.env.REQUIRE_REDIS === '1';

if (!redisTestsRun) {
  console.warn('Redis tests skipped: no redis-server on PATH (apt-get install redis-server)');
}

/** A free loopback TCP port, as the OS hands one out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Sends one inline command and resolves with the first reply line. */
function inlineCommand(port: number, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no reply to ${command} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let data = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A `redis-server` started for a test, on loopback, without persistence. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server process. */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Extra command-line arguments, e.g. `['--maxmemory', '10mb']`. */
  readonly args?: readonly string[];
  /** A port to use (to restart a server where it was); a free one by default. */
  readonly port?: number;
  /** How long to wait for PING to answer, in ms (default 10 000). */
  readonly timeoutMs?: number;
}

/**
 * Starts `redis-server` from PATH on a free loopback port with no
 * persistence (`--save '' --appendonly no`) and DEBUG allowed from
 * loopback, and resolves once it answers PING. Rejects if it exits first
 * or does not answer in time.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerPath ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'local',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited: Error | undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    exited = new Error(`redis-server exited (code ${code}, signal ${signal}): ${stderr.trim()}`);
  });
  child.once('error', (error) => {
    exited = error;
  });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw exited;
    try {
      if ((await inlineCommand(port, 'PING', 1_000)) === '+PONG') break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
