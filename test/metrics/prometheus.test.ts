import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, expect, test } from 'vitest';
import { freePort } from '../../demo/free-port.js';
import { createPool } from '../../src/index.js';
import { instrumentPool } from '../../src/metrics/index.js';
import { flush, track } from '../support.js';
import { ManualClock } from './support.js';

/**
 * Reads a text exposition into a lookup of sample values by metric name and
 * labels (the exporter's `otel_scope_*` labels left out, order ignored).
 */
function samples(text: string): (name: string, labels: Record<string, string>) => number | undefined {
  const values = new Map<string, number>();
  const id = (name: string, labels: Record<string, string>) =>
    `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      if (name && !name.startsWith('otel_scope_')) labels[name] = value ?? '';
    }
    values.set(id(match[1] ?? '', labels), Number(match[3]));
  }
  return (name, labels) => values.get(id(name, labels));
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

test('a Prometheus scrape over HTTP shows every instrument of a scripted workload', async () => {
  const port = await freePort();
  const exporter = await new Promise<PrometheusExporter>((resolve, reject) => {
    const created: PrometheusExporter = new PrometheusExporter({ host: '127.0.0.1', port }, (error) =>
      error ? reject(error) : resolve(created),
    );
  });
  const provider = new MeterProvider({ readers: [exporter] });
  cleanups.push(() => provider.shutdown());
  const clock = new ManualClock();
  const pool = createPool<string>();
  instrumentPool(pool, {
    meter: provider.getMeter('service'),
    now: clock.now,
    poolName: 'uploads',
    keyAttribute: (key) => key,
  });

  pool.set('spam', 2);
  pool.set('eggs', 1);
  const held = [pool.tryAcquire({ key: 'spam' }), pool.tryAcquire({ key: 'spam' })];
  const waiter = track(pool.acquire({ key: 'spam' }));
  const anyKey = track(pool.acquire({ key: 'eggs' }));
  clock.advance(50);
  held[0]?.release();
  await flush();
  expect([waiter.state, anyKey.state]).toEqual(['fulfilled', 'fulfilled']);
  const stuck = track(pool.acquire({ key: 'spam' }));
  pool.set('eggs', 0);

  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await response.text();
  const sample = samples(text);
  const labels = { workpool_pool_name: 'uploads' };
  const spam = { ...labels, workpool_key: 'spam' };
  const eggs = { ...labels, workpool_key: 'eggs' };
  expect(text).toContain('# TYPE workpool_lease_count gauge');
  expect(sample('workpool_lease_count', spam)).toBe(2);
  expect(sample('workpool_lease_count', eggs)).toBe(1);
  expect(sample('workpool_lease_count', labels)).toBe(0);
  expect(sample('workpool_lease_target', spam)).toBe(2);
  expect(sample('workpool_lease_pending_requests', { ...spam, workpool_request_scope: 'key' })).toBe(1);
  expect(sample('workpool_lease_pending_requests', { ...labels, workpool_request_scope: 'any_key' })).toBe(0);
  expect(text).toContain('# TYPE workpool_lease_grants_total counter');
  expect(sample('workpool_lease_grants_total', spam)).toBe(3);
  expect(sample('workpool_lease_grants_total', eggs)).toBe(1);
  expect(sample('workpool_lease_target', eggs)).toBe(0);
  expect(sample('workpool_lease_revocations_total', eggs)).toBe(1);
  expect(text).toContain('# TYPE workpool_lease_wait_time histogram');
  expect(sample('workpool_lease_wait_time_count', spam)).toBe(1);
  expect(sample('workpool_lease_wait_time_sum', spam)).toBe(0.05);
  expect(sample('workpool_lease_wait_time_bucket', { ...spam, le: '0.025' })).toBe(0);
  expect(sample('workpool_lease_wait_time_bucket', { ...spam, le: '0.05' })).toBe(1);
  expect(sample('workpool_lease_wait_time_bucket', { ...spam, le: '+Inf' })).toBe(1);
  expect(text).toContain('# TYPE workpool_lease_use_time histogram');
  expect(sample('workpool_lease_use_time_count', spam)).toBe(1);
  expect(sample('workpool_lease_use_time_sum', spam)).toBe(0.05);

  pool.stop();
  await flush();
  expect(stuck.state).toBe('rejected');
});
