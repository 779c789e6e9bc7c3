import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, test } from 'vitest';
import { hasScript } from './terminal-support.js';

/** A run of the demo in a child process, its output piped. */
class DemoRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  #waits: Array<() => void> = [];

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk) => {
      this.stdout += chunk;
      for (const wake of this.#waits.splice(0)) wake();
    });
    this.child.stderr?.on('data', (chunk) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Resolves once stdout matches `pattern`. */
  async printed(pattern: RegExp): Promise<void> {
    while (!pattern.test(this.stdout)) await new Promise<void>((wake) => this.#waits.push(wake));
  }
}

const plainLine =
  /^ +\d+\.\ds {2}spam \d+\/\d+ active, \d+ leases \(\d+\.\d%\) · eggs \d+\/\d+ active, \d+ leases \(\d+\.\d%\) {2}\d+ waiting$/m;
const tableHeader = /^key {3}target {2}leases {3}share {2}wanted {2}revoked$/m;
const tableRow = (key: string, target: number, revoked = '\\d+') =>
  new RegExp(`^${key} +${target} +\\d+ +\\d+\\.\\d% +\\d+\\.\\d% +${revoked}$`, 'm');
const ratioLine = /^measured spam:eggs = \d+\.\d\d:1\.00, targets 2:1$/m;

describe('the demo', () => {
  test('in a pipe, prints plain lines, then the final table with the ratio, and exits 0', async () => {
    const run = new DemoRun(['--duration', '300ms']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/^Running spam=2 eggs=1 with 12 workers/m);
    expect(run.stdout).toMatch(plainLine);
    expect(run.stdout).toMatch(tableHeader);
    expect(run.stdout).toMatch(tableRow('spam', 2));
    expect(run.stdout).toMatch(tableRow('eggs', 1));
    expect(run.stdout).toMatch(ratioLine);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stderr).toBe('');
  });

  test('with --hold longer than --duration, says how many leases it waits for at stop, then ends', async () => {
    const run = new DemoRun(['--duration', '100ms', '--hold', '800ms', '--workers', '2']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/^stopping, waiting for 2 leases$/m);
    expect(run.stdout.indexOf('stopping, waiting')).toBeLessThan(run.stdout.search(tableHeader));
    expect(run.stdout).toMatch(tableRow('spam', 2));
  });

  test('accepts --set KEY=0: that key gets no lease', async () => {
    const run = new DemoRun(['--duration', '200ms', '--set', 'a=0', '--set', 'b=2', '--workers', '4']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/^a +0 +0 +0\.0% +0\.0% +0$/m);
    expect(run.stdout).toMatch(tableRow('b', 2));
    expect(run.stderr).toBe('');
  });

  test('runs the keys and targets given with --set', async () => {
    const run = new DemoRun(['--duration', '200ms', '--set', 'a=1', '--set', 'b=3', '--workers', '8']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(tableRow('a', 1));
    expect(run.stdout).toMatch(tableRow('b', 3));
    expect(run.stdout).toMatch(/^measured a:b = 1\.00:\d+\.\d\d, targets 1:3$/m);
  });

  test('--at lowers a target while it runs: the workers of the revoked leases stop, and the table counts them', async () => {
    const run = new DemoRun(['--duration', '600ms', '--hold', '10s', '--at', '200ms', 'spam=0']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(tableRow('spam', 2, '2'));
    expect(run.stdout).toMatch(tableRow('eggs', 1, '0'));
  });

  test('on SIGINT, stops the pool, waits for the leases out, prints the table and exits 0', async () => {
    const run = new DemoRun(['--duration', '10m']);
    await run.printed(/^Running /m);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(tableHeader);
    expect(run.stdout).toMatch(ratioLine);
  });

  test('with --inspect, prints the relay page on loopback and still exits 0', async () => {
    const run = new DemoRun(['--inspect', '--inspect-port', '0', '--duration', '200ms']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/^Inspect the pool: open http:\/\/127\.0\.0\.1:\d+ in a browser/m);
    expect(run.stdout).toMatch(ratioLine);
  });

  test("with --metrics 0, serves the pool's Prometheus metrics on loopback while it runs", async () => {
    const run = new DemoRun(['--metrics', '0', '--duration', '10m']);
    await run.printed(/^Serving Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    const url = /^Serving Prometheus metrics at (\S+)$/m.exec(run.stdout)?.[1] ?? '';
    await run.printed(/^ +\d+\.\ds {2}spam/m);
    const text = await (await fetch(url)).text();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(text).toMatch(
      /^workpool_lease_target\{workpool_pool_name="demo",workpool_key="spam",otel_scope_name="xstate-workpool-demo"\} 2$/m,
    );
    expect(text).toMatch(
      /^workpool_lease_grants_total\{workpool_pool_name="demo",workpool_key="eggs",[^}]*\} [1-9]\d*$/m,
    );
    expect(text).toContain('# TYPE workpool_lease_wait_time histogram');
  });

  test('a taken --inspect-port exits 1, naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = new DemoRun(['--inspect', '--inspect-port', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.stderr).toContain(`The inspect relay cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });

  test('--help prints the options and exits 0', async () => {
    const run = new DemoRun(['--help']);
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm start -- \[options\]/);
    expect(run.stdout).toContain('--inspect-port PORT');
  });

  test('a bad option exits 2, naming it on stderr', async () => {
    const run = new DemoRun(['--workers', 'lots']);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toContain('--workers: expected a whole number from 1');
    expect(run.stderr).toContain('"lots"');
    expect(run.stdout).toBe('');
  });

  test.skipIf(!hasScript)('on a terminal, draws the live view in place', async () => {
    // util-linux `script` gives the demo a pseudo-terminal.
    // Its pseudo-terminal starts with no size, so give it one first.
    const command = `stty rows 30 cols 100 && ${JSON.stringify(process.execPath)} --import tsx demo/main.ts --duration 300ms`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    // log-update redraws by erasing the previous frame's lines.
    expect(output).toContain('\u001b[2K');
    const text = stripVTControlCharacters(output).replaceAll('\r', '');
    expect(text).toContain('xstate-workpool · 12 workers · hold 10ms');
    expect(text).toMatch(/^spam +\d+ +\d+\/\d+ +\d+ +\d+ +[█░]{24} +\d+\.\d% +66\.7%$/m);
    expect(text).toMatch(/^\d+ waiting · Ctrl-C stops$/m);
    expect(text).toMatch(/^stopped$/m);
    expect(text).toMatch(ratioLine);
    expect(text).not.toMatch(plainLine);
  });
});
