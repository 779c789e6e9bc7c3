import fc from 'fast-check';

/** Whether this is `npm run fuzz` (long runs) rather than `npm test`. */
export const FUZZING = process.env.FUZZ === '1';

/**
 * How many runs a property gets: `ciRuns` under `npm test`; under `npm run
 * fuzz`, `FUZZ_RUNS` or 100 × `ciRuns`. `MODEL_RUNS_SCALE` (used by the
 * mutation run, where every mutant reruns the suites) scales the CI count.
 */
export function runsFor(ciRuns: number): number {
  if (FUZZING) return Number(process.env.FUZZ_RUNS ?? ciRuns * 100);
  const scale = Number(process.env.MODEL_RUNS_SCALE ?? 1);
  return Math.max(1, Math.round(ciRuns * scale));
}

/**
 * Runs `property` like `fc.assert`, with the run count of {@link runsFor}.
 * `FUZZ_SEED` and `FUZZ_PATH` replay a failure. The seed is printed when
 * fuzzing, and a failure's message ends with the command that replays it.
 */
export async function checkProperty<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IProperty<T>,
  ciRuns: number,
): Promise<void> {
  const seed =
    process.env.FUZZ_SEED === undefined
      ? (Date.now() ^ (Math.random() * 0x100000000)) | 0
      : Number(process.env.FUZZ_SEED);
  const path = process.env.FUZZ_PATH;
  const numRuns = runsFor(ciRuns);
  if (FUZZING) console.log(`fuzz "${name}": ${numRuns} runs, seed ${seed}`);
  const details = await fc.check(property as fc.IAsyncProperty<T>, { numRuns, seed, ...(path ? { path } : {}) });
  if (!details.failed) return;
  const shown = fc.stringify(details.counterexample);
  const replayPath = /replayPath="([^"]*)"/.exec(shown)?.[1];
  const replay =
    `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''}` +
    (replayPath === undefined ? '' : ` FUZZ_REPLAY_PATH='${replayPath}'`) +
    ` npx vitest run model-tests -t '${name}'`;
  const cause = details.errorInstance;
  const reason = cause instanceof Error ? cause.message : String(cause);
  throw new Error(
    `Property "${name}" failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)\n` +
      `seed ${details.seed}, path ${details.counterexamplePath}\n` +
      `Counterexample: ${shown}\n` +
      `Error: ${reason}\n` +
      `Replay: ${replay}`,
  );
}
