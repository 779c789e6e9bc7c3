export { LeaseRevokedError, PoolStoppedError } from '../api/errors.js';
export { LeaseLostError } from '../api/lease-lost-error.js';
export type { Counts, InspectObserver, WaitingOptions } from '../index.js';
export { createRedisPool } from './create-redis-pool.js';
export { ForeignValueError, RedisPoolError } from './errors.js';
export type {
  CountsSeenEvent,
  GroupsPruneEvent,
  MemberActorRef,
  MemberContext,
  MemberControlEvent,
  MemberEvent,
  MemberMachine,
  NoticeEvent,
  RequestEndedEvent,
  RequestStartEvent,
} from './member-machine.js';
export type {
  CreateRedisPoolOptions,
  RedisAcquireOptions,
  RedisLease,
  RedisPool,
  RedisTryAcquireOptions,
} from './redis-pool.js';
