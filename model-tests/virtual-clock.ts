import { flushMicrotasks } from './system.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/**
 * Simulated time for closed-system runs: `sleep` returns a promise that
 * `run` resolves when the clock reaches it, so a run of minutes costs only
 * the work done, and two runs with the same inputs are the same run. Timers
 * due at the same instant fire in the order they were set, each after every
 * promise reaction of the one before has run.
 */
export class VirtualClock {
  #now = 0;
  #timers: Timer[] = [];
  #seq = 0;

  /** The simulated time, in ms since the clock was made. */
  get now(): number {
    return this.#now;
  }

  /** A promise that resolves when the clock has advanced `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.#timers.push({ at: this.#now + ms, seq: this.#seq++, wake }));
  }

  /** Advances time timer by timer until `until`, or until no timer is left. */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      let next: Timer | undefined;
      for (const t of this.#timers) if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      if (!next || next.at > until) {
        if (until !== Number.POSITIVE_INFINITY) this.#now = until;
        return;
      }
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.at;
      next.wake();
    }
  }
}
