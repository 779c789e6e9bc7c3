import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** A Prometheus endpoint serving what is recorded on its meter. */
export interface MetricsServer {
  /** Where to scrape, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The meter whose instruments the endpoint serves. */
  readonly meter: Meter;
  /** Stops serving and shuts the meter provider down. */
  close(): Promise<void>;
}

/** The metrics endpoint could not listen; the message names the address. */
export class MetricsServerError extends Error {
  override name = 'MetricsServerError';
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new MetricsServerError(`Cannot serve metrics on ${host}:${port}: ${(error as Error).message}`)),
    );
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/**
 * Serves Prometheus metrics at `/metrics` on `host:port` (port 0: any free
 * one) through OpenTelemetry's Prometheus exporter, on a server of our own
 * so that the port actually bound can be printed.
 */
export async function startMetricsServer({ port, host }: { port: number; host: string }): Promise<MetricsServer> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server = createServer((request, response) => {
    if (request.url === '/metrics') exporter.getMetricsRequestHandler(request, response);
    else response.writeHead(404).end('Not found: try /metrics\n');
  });
  let address: AddressInfo;
  try {
    address = await listen(server, port, host);
  } catch (error) {
    await provider.shutdown();
    throw error;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    meter: provider.getMeter('xstate-workpool-demo'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}
