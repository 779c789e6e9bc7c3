import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import { createPool } from '../../src/index.js';
import { instrumentPool } from '../../src/metrics/index.js';

const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** An app server whose GET /metrics is answered by `exporter`, as the README shows; other routes 404. */
async function appServer(exporter: PrometheusExporter): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      exporter.getMetricsRequestHandler(request, response);
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closing.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("metrics on the app's own /metrics (node:http)", () => {
  test("the app's route answers a scrape with the pool's metrics, grants and withdrawals by key", async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    closing.push(() => provider.shutdown());
    const pool = createPool<string>({ defaultTarget: 1 });
    instrumentPool(pool, { meter: provider.getMeter('test'), poolName: 'tenants', keyAttribute: (k) => k });
    const { url } = await appServer(exporter);
    await pool.run(async () => {}, { key: 'acme' });
    const controller = new AbortController();
    const blocker = await pool.acquire({ key: 'acme' });
    const waiter = pool.acquire({ key: 'acme', signal: controller.signal }).catch(() => {});
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    await waiter;
    blocker.release();

    const response = await fetch(`${url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(text).toContain(
      'workpool_lease_grants_total{workpool_pool_name="tenants",workpool_key="acme",otel_scope_name="test"} 2',
    );
    expect(text).toContain(
      'workpool_lease_withdrawals_total{workpool_pool_name="tenants",workpool_key="acme",workpool_withdrawal_reason="timeout",otel_scope_name="test"} 1',
    );
    expect((await fetch(`${url}/other`)).status).toBe(404);
    pool.stop();
  });
});
