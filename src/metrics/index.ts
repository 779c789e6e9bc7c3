export { instrumentPool, instrumentSource } from './instrument-pool.js';
export type { LeaseEvents, MeterSource } from './meter-source.js';
export { attributeNames, durationBuckets, metricNames } from './names.js';
export type { InstrumentPoolOptions, KeyAttributeValue, PoolInstrumentation } from './options.js';
