import type { Confirmer } from './client-adapter.js';

/** How a round of confirmation ended. */
export type ConfirmOutcome = 'confirmed' | 'unconfirmed' | 'failed';

/**
 * Confirms grants in rounds on one connection: a caller joins the next
 * round that starts after its call, so one `WAIT` serves every grant the
 * member received meanwhile, however many.
 */
export class GrantConfirmations {
  readonly #confirmer: Confirmer;
  readonly #key: string;
  readonly #replicas: number;
  readonly #timeout: number;
  #running: Promise<ConfirmOutcome> | undefined;
  #next: Promise<ConfirmOutcome> | undefined;

  constructor(confirmer: Confirmer, key: string, replicas: number, timeout: number) {
    this.#confirmer = confirmer;
    this.#key = key;
    this.#replicas = replicas;
    this.#timeout = timeout;
  }

  /**
   * Resolves `confirmed` once the replicas have everything the primary ran
   * before this call, `unconfirmed` when too few had it within the timeout,
   * `failed` when Redis could not be asked. Never rejects.
   */
  confirm(): Promise<ConfirmOutcome> {
    if (!this.#running) return this.#start();
    // The running round may have started before what the caller needs confirmed: take the next one.
    this.#next ??= this.#running.then(() => {
      this.#next = undefined;
      return this.#start();
    });
    return this.#next;
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#confirmer.close();
  }

  #start(): Promise<ConfirmOutcome> {
    const round = this.#confirmer.confirm(this.#key, this.#replicas, this.#timeout).then(
      (acked): ConfirmOutcome => (acked >= this.#replicas ? 'confirmed' : 'unconfirmed'),
      (): ConfirmOutcome => 'failed',
    );
    this.#running = round;
    void round.then(() => {
      if (this.#running === round) this.#running = undefined;
    });
    return round;
  }
}
