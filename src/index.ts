export { createPool } from './api/create-pool.js';
export { LeaseRevokedError, PoolStoppedError } from './api/errors.js';
export { type Lease, zeroLease } from './api/lease.js';
export { LeaseLostError } from './api/lease-lost-error.js';
export type {
  AcquireOptions,
  CreatePoolOptions,
  InspectObserver,
  TryAcquireOptions,
  WaitingOptions,
} from './api/options.js';
export type { Counts, Pool } from './api/pool.js';
export type {
  GroupContext,
  GroupEvent,
  GroupMachine,
  GroupState,
  PoolActorRef,
  PoolContext,
  PoolEvent,
  PoolInput,
  PoolListener,
  PoolMachine,
  Standing,
} from './machines/index.js';
export { groupMachine, listenToPool, poolMachine } from './machines/index.js';
