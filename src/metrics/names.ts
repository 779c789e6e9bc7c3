/**
 * The names of the instruments {@link instrumentPool} creates, modelled on
 * OpenTelemetry's `db.client.connection.*` semantic conventions (see the
 * README, "Metrics"). Use them in views or queries.
 */
export const metricNames = {
  /** Observable gauge, `{lease}`: leases out (granted, not yet released). */
  leaseCount: 'workpool.lease.count',
  /** Observable gauge, `{lease}`: the targets, summed over the keys a point covers. */
  leaseTarget: 'workpool.lease.target',
  /** Observable gauge, `{request}`: pending `acquire`s, by `workpool.request.scope`. */
  pendingRequests: 'workpool.lease.pending_requests',
  /** Histogram, `s`: from a waiting request's arrival to its grant. */
  waitTime: 'workpool.lease.wait_time',
  /** Histogram, `s`: from a lease's grant to its release. */
  useTime: 'workpool.lease.use_time',
  /** Observable counter, `{lease}`: leases granted. */
  grants: 'workpool.lease.grants',
  /** Observable counter, `{lease}`: leases revoked by a lowered target. */
  revocations: 'workpool.lease.revocations',
  /** Observable counter, `{lease}`: leases lost (Redis mode only). */
  losses: 'workpool.lease.losses',
  /**
   * Observable counter, `{request}`: waiting requests that gave up before a grant, by
   * `workpool.withdrawal.reason` (`timeout`, `aborted`, `stopped`).
   */
  withdrawals: 'workpool.lease.withdrawals',
  /** Histogram, `s`: from a withdrawn request's arrival to its withdrawal, by `workpool.withdrawal.reason`. */
  withdrawnWaitTime: 'workpool.lease.withdrawn_wait_time',
} as const;

/** The attributes the instruments put on their points. */
export const attributeNames = {
  /** The value `keyAttribute` maps a key to; absent where it maps to nothing. */
  key: 'workpool.key',
  /** `poolName`, on every point when given. */
  poolName: 'workpool.pool.name',
  /** On `pending_requests`: `any_key` for waiters of any group, `key` for waiters of one. */
  requestScope: 'workpool.request.scope',
  /**
   * On `withdrawals` and `withdrawn_wait_time`: why the request gave up.
   * `timeout`: its signal aborted with a `TimeoutError` (as
   * `AbortSignal.timeout` does); `aborted`: its signal aborted with any other
   * reason; `stopped`: the pool stopped while it waited.
   */
  withdrawalReason: 'workpool.withdrawal.reason',
} as const;

/**
 * Bucket boundaries, in seconds, for the three histograms: waits and holds range
 * from microseconds (an idle pool grants at once) to minutes.
 */
export const durationBuckets: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];
