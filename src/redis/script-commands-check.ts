import type { LoadedScript, RedisAdapter } from './client-adapter.js';
import { RedisPoolError } from './errors.js';

/**
 * A script that does nothing, under a SHA1 that no script has: Redis
 * answers its EVALSHA with NOSCRIPT, so the adapter sends its EVAL too,
 * every time, whatever Redis has cached.
 */
const probe: LoadedScript = { name: 'probe', source: 'return 0', sha: '0'.repeat(40) };

/** The script command a NOPERM refusal names (`'eval'`, `'evalsha'` in Redis' words), if it names one. */
function deniedScriptCommand(refusal: string): 'EVAL' | 'EVALSHA' | undefined {
  if (!refusal.startsWith('NOPERM')) return undefined;
  const named = /'(evalsha|eval)'/i.exec(refusal)?.[1];
  return named ? (named.toUpperCase() as 'EVAL' | 'EVALSHA') : undefined;
}

/**
 * Checks, before a member joins, that its Redis user may run both EVALSHA
 * (every call of the pool) and EVAL (loading a script again once Redis
 * forgot it: SCRIPT FLUSH, restart, failover), by running a script that
 * does nothing once by each, on the pool's keys; writes nothing. Checking
 * only what the join happens to use would pass a user without EVAL while
 * the scripts are cached, and fail it later, at the first NOSCRIPT.
 *
 * Rejects with a `RedisPoolError` naming the command the user lacks (its
 * `cause` the client's error), or with the adapter's own error when Redis
 * could not be reached or refused for another reason.
 */
export async function assertScriptCommands(adapter: RedisAdapter, keys: readonly string[]): Promise<void> {
  try {
    await adapter.evalScript(probe, keys, []);
  } catch (error) {
    if (!(error instanceof RedisPoolError) || !(error.cause instanceof Error)) throw error;
    const refusal = error.cause.message;
    const denied = deniedScriptCommand(refusal);
    if (!denied) throw error;
    throw new RedisPoolError(
      `The Redis user cannot run ${denied} (${refusal}); ` +
        'a pool needs EVALSHA to run its scripts and EVAL to load them again once Redis forgot them',
      { cause: error.cause, refused: true },
    );
  }
}
