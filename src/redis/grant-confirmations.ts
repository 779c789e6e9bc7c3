import type { Confirmer } from './client-adapter.js';

/** How a round of confirmation ended. */
export type ConfirmOutcome = 'confirmed' | 'unconfirmed' | 'failed';

/** The rounds of one shard: the one running, and the one waiting to start after it. */
interface Rounds {
  running: Promise<ConfirmOutcome> | undefined;
  next: Promise<ConfirmOutcome> | undefined;
}

/**
 * Confirms grants in rounds on one connection, per shard (each on its own
 * master): a caller joins the next round of its lease's shard that starts
 * after its call, so one `WAIT` serves every grant of that shard the member
 * received meanwhile, however many.
 */
export class GrantConfirmations {
  readonly #confirmer: Confirmer;
  readonly #keys: readonly string[];
  readonly #replicas: number;
  readonly #timeout: number;
  readonly #rounds: Rounds[];

  constructor(
    confirmer: Confirmer,
    /** A key of each shard (its meta), index = shard: the WAIT goes to its master. */
    keys: readonly string[],
    replicas: number,
    timeout: number,
  ) {
    this.#confirmer = confirmer;
    this.#keys = keys;
    this.#replicas = replicas;
    this.#timeout = timeout;
    this.#rounds = keys.map(() => ({ running: undefined, next: undefined }));
  }

  /**
   * Resolves `confirmed` once the replicas of lease `lease`'s shard have
   * everything its primary ran before this call, `unconfirmed` when too few
   * had it within the timeout, `failed` when Redis could not be asked.
   * Never rejects.
   */
  confirm(lease: number): Promise<ConfirmOutcome> {
    const shard = lease % this.#keys.length;
    const rounds = this.#rounds[shard] as Rounds;
    if (!rounds.running) return this.#start(shard, rounds);
    // The running round may have started before what the caller needs confirmed: take the next one.
    rounds.next ??= rounds.running.then(() => {
      rounds.next = undefined;
      return this.#start(shard, rounds);
    });
    return rounds.next;
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#confirmer.close();
  }

  #start(shard: number, rounds: Rounds): Promise<ConfirmOutcome> {
    const round = this.#confirmer.confirm(this.#keys[shard] as string, this.#replicas, this.#timeout).then(
      (acked): ConfirmOutcome => (acked >= this.#replicas ? 'confirmed' : 'unconfirmed'),
      (): ConfirmOutcome => 'failed',
    );
    rounds.running = round;
    void round.then(() => {
      if (rounds.running === round) rounds.running = undefined;
    });
    return round;
  }
}
