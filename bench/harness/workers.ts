/** A shared count of cycles still to run; workers take one before each cycle. */
export class Budget {
  #left: number;

  constructor(cycles: number) {
    this.#left = cycles;
  }

  /** Takes one cycle; false once the budget is spent. */
  take(): boolean {
    return this.#left-- > 0;
  }
}

/** One worker's loop: runs acquire → hold → release cycles while `budget` lasts. */
export type WorkerLoop = (budget: Budget, worker: number) => Promise<void>;

/**
 * Runs `workers` copies of `loop` until `cycles` cycles are done, and
 * resolves when all have stopped.
 */
export async function runWorkers(loop: WorkerLoop, workers: number, cycles: number): Promise<void> {
  const budget = new Budget(cycles);
  const running: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) running.push(loop(budget, i));
  await Promise.all(running);
}

/** What a task holds its lease across: one `await`, as the scenarios ask. */
export async function holdOneTurn(): Promise<void> {
  await null;
}
