/**
 * Runs `make` with the pool's script path forced: Redis Functions
 * (`functions` true) or EVALSHA, whatever XSTATE_WORKPOOL_REDIS_FUNCTIONS
 * says for the rest of the run (an adapter reads it when it is made, so
 * whatever `make` creates keeps that path).
 */
export function onScriptPath<T>(functions: boolean, make: () => T): T {
  const saved = process.env.XSTATE_WORKPOOL_REDIS_FUNCTIONS;
  process.env.XSTATE_WORKPOOL_REDIS_FUNCTIONS = functions ? '1' : '0';
  try {
    return make();
  } finally {
    if (saved === undefined) delete process.env.XSTATE_WORKPOOL_REDIS_FUNCTIONS;
    else process.env.XSTATE_WORKPOOL_REDIS_FUNCTIONS = saved;
  }
}
