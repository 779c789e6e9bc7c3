import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** A metric reader that exports only when a test collects. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A clock the instrumentation reads, moved by hand (milliseconds). */
export class ManualClock {
  ms = 0;
  readonly now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A real SDK meter whose exported data a test reads with {@link Metrics.collect}. */
export class Metrics {
  readonly reader = new ManualReader();
  readonly provider = new MeterProvider({ readers: [this.reader] });
  readonly meter = this.provider.getMeter('xstate-workpool-test');

  /** Collects once, as an exporter would. */
  async collect(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'collection failed');
    return resourceMetrics;
  }

  /** The exported points of the metric `name`, at one collection; [] if it exported none. */
  async points<T = number>(name: string): Promise<Array<DataPoint<T>>> {
    const collected = await this.collect();
    const found = collected.scopeMetrics.flatMap((scope) => scope.metrics).filter((m) => m.descriptor.name === name);
    return found.flatMap((metric) => metric.dataPoints as Array<DataPoint<T>>);
  }

  /** `{ attributes → value }` of the metric `name`'s points, attributes written as JSON. */
  async values(name: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const point of await this.points<number>(name)) out[JSON.stringify(point.attributes)] = point.value;
    return out;
  }

  /** The histogram points of `name`, by attributes written as JSON. */
  async histograms(name: string): Promise<Record<string, Histogram>> {
    const out: Record<string, Histogram> = {};
    for (const point of await this.points<Histogram>(name)) out[JSON.stringify(point.attributes)] = point.value;
    return out;
  }
}

/** Attributes written as {@link Metrics.values} keys them. */
export const at = (attributes: Record<string, string | number | boolean> = {}) => JSON.stringify(attributes);
