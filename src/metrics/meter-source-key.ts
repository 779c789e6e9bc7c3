/**
 * The method key under which a pool other than the in-process one (a Redis
 * member) hands `instrumentPool` its `MeterSource`. A registered symbol, so
 * the metrics subpath finds it without loading that pool's code, and the
 * pool offers it without loading OpenTelemetry.
 */
export const meterSourceKey: unique symbol = Symbol.for('xstate-workpool.meterSource');
