import type fc from 'fast-check';
import { compareWithModel } from './compare.js';
import { checkInvariants } from './invariants.js';
import type { PoolModel } from './model.js';
import { flushMicrotasks, type RealSystem } from './system.js';

/** A model-based command over the pool: `run` acts on both sides and then calls {@link afterStep}. */
export type PoolCommand = fc.AsyncCommand<PoolModel, RealSystem>;

/**
 * Lets every promise the step settled settle (grants happen inside the call,
 * promises resolve on the next microtask, S5), then compares the real pool
 * with the model and checks the invariants that need no model.
 */
export async function afterStep(model: PoolModel, real: RealSystem): Promise<void> {
  await flushMicrotasks();
  compareWithModel(model, real);
  checkInvariants(real);
}
