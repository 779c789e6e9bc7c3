export { type GroupMachine, groupMachine } from './group/group-machine.js';
export type { GroupContext, GroupEvent, GroupInput } from './group/group-types.js';
export { type GroupCounts, type GroupState, type Standing, spareOf, standingOf } from './group/standing.js';
export { type PoolActorRef, type PoolMachine, poolMachine } from './pool/pool-machine.js';
export { listenToPool, type PoolListener } from './pool/pool-outlet.js';
export type { PoolContext, PoolEvent, PoolInput } from './pool/pool-types.js';
