import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { describe, expect, test } from 'vitest';
import { formatFinalTable } from '../demo/final-table.js';
import { renderLiveFrame, startLiveView } from '../demo/live-view.js';
import { formatPlainLine } from '../demo/plain-lines.js';
import type { PoolStats } from '../demo/stats.js';

const plain = pc.createColors(false);

const running: PoolStats = {
  keys: [
    { key: 'spam', target: 2, active: 2, granted: 200, revoked: 7, share: 2 / 3, targetShare: 2 / 3 },
    { key: 'eggs', target: 1, active: 0, granted: 100, revoked: 0, share: 1 / 3, targetShare: 1 / 3 },
  ],
  waiting: 9,
  elapsedMs: 1_234,
  stopped: false,
  leasesOut: 2,
};

const run = { workers: 12, holdMs: 10, durationMs: 3_000 };

describe('the live view', () => {
  test('shows a row per key with target, active/target, leases and a share bar', () => {
    const lines = renderLiveFrame(running, run, plain).split('\n');
    const spam = lines.find((line) => line.startsWith('spam'));
    const eggs = lines.find((line) => line.startsWith('eggs'));
    expect(spam?.split(/\s+/).slice(0, 5)).toEqual(['spam', '2', '2/2', '200', '7']);
    expect(eggs?.split(/\s+/).slice(0, 5)).toEqual(['eggs', '1', '0/1', '100', '0']);
    expect(spam).toContain(`${'█'.repeat(16)}${'░'.repeat(8)}`);
    expect(eggs).toContain(`${'█'.repeat(8)}${'░'.repeat(16)}`);
    expect(spam).toMatch(/66\.7%\s+66\.7%$/);
  });

  test('says how many requests wait and how to stop', () => {
    expect(renderLiveFrame(running, run, plain)).toMatch(/^9 waiting · Ctrl-C stops$/m);
  });

  test('says how many leases it waits for once the pool has stopped with leases out', () => {
    expect(
      renderLiveFrame({ ...running, stopped: true, leasesOut: 3 }, run, plain)
        .split('\n')
        .at(-1),
    ).toBe('stopping, waiting for 3 leases');
  });

  test('draws on a terminal that reports 0 columns, as if it had 80', () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += String(chunk);
          done();
        },
      }),
      { columns: 0, rows: 24, isTTY: true },
    ) as unknown as NodeJS.WriteStream;
    startLiveView(() => running, run, stream, 60_000).stop();
    const text = stripVTControlCharacters(written);
    expect(text).toMatch(/^spam +2 +2\/2 +200/m);
    expect(text).toContain('9 waiting');
  });

  test('says so once the pool has stopped and no lease is out', () => {
    expect(
      renderLiveFrame({ ...running, stopped: true, leasesOut: 0 }, run, plain)
        .split('\n')
        .at(-1),
    ).toBe('stopped');
  });

  test('heads the frame with the run and the time so far', () => {
    expect(renderLiveFrame(running, run, plain).split('\n')[0]).toBe(
      'xstate-workpool · 12 workers · hold 10ms · 1.2s of 3.0s',
    );
  });
});

describe('the plain lines', () => {
  test('give the time, each key and the waiting requests on one line', () => {
    expect(formatPlainLine(running)).toBe(
      '  1.2s  spam 2/2 active, 200 leases (66.7%), 7 revoked · eggs 0/1 active, 100 leases (33.3%)  9 waiting',
    );
  });
});

describe('the final table', () => {
  const targets = [
    ['spam', 2],
    ['eggs', 1],
  ] as const;

  test('lists each key with its target, leases and shares', () => {
    const table = formatFinalTable(
      targets,
      new Map([
        ['spam', 200],
        ['eggs', 100],
      ]),
      12,
    );
    expect(table.split('\n').slice(0, 3)).toEqual([
      'key   target  leases   share  wanted  revoked',
      'spam       2     200   66.7%   66.7%        0',
      'eggs       1     100   33.3%   33.3%        0',
    ]);
  });

  test('with a target of 0, shows finite shares and scales the ratio to the smallest target above 0', () => {
    const table = formatFinalTable(
      [
        ['a', 0],
        ['b', 2],
        ['c', 1],
      ],
      new Map([
        ['b', 60],
        ['c', 30],
      ]),
      12,
    );
    expect(table).not.toMatch(/NaN|Infinity/);
    expect(table).toContain('measured a:b:c = 0.00:2.00:1.00, targets 0:2:1');
  });

  test('with every target 0, says the ratio cannot be measured', () => {
    const table = formatFinalTable([['a', 0]], new Map(), 12);
    expect(table).not.toMatch(/NaN|Infinity/);
    expect(table).toContain('measured a = n/a (no target above 0), targets 0');
  });

  test('lists the leases revoked per key', () => {
    const table = formatFinalTable(targets, new Map([['spam', 200]]), 12, new Map([['spam', 4]]));
    expect(table.split('\n')[1]).toMatch(/^spam .* 4$/);
  });

  test('sets the measured ratio beside the ratio of the targets, scaled to the smallest target', () => {
    const table = formatFinalTable(
      [
        ['a', 4],
        ['b', 6],
      ],
      new Map([
        ['a', 100],
        ['b', 153],
      ]),
      12,
    );
    expect(table).toContain('measured a:b = 4.00:6.12, targets 4:6');
  });

  test('says when the ratio cannot be measured', () => {
    expect(formatFinalTable(targets, new Map([['spam', 5]]), 12)).toContain(
      'measured spam:eggs = n/a (eggs got no lease), targets 2:1',
    );
  });

  test('notes when there are fewer workers than the targets add up to', () => {
    expect(formatFinalTable(targets, new Map(), 2)).toContain('note: 2 workers < 3');
    expect(formatFinalTable(targets, new Map(), 3)).not.toContain('note:');
  });
});
