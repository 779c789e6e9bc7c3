export { groupMachine, type GroupMachine } from './group/group-machine.js';
export type { GroupContext, GroupEvent, GroupInput } from './group/group-types.js';
export { type GroupCounts, type Standing, spareOf, standingOf } from './group/standing.js';
export { poolMachine, type PoolActorRef, type PoolMachine } from './pool/pool-machine.js';
export type { PoolContext, PoolEmitted, PoolEvent } from './pool/pool-types.js';
