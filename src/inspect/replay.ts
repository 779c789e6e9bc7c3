/** How many messages other than actor registrations a new client is replayed. */
const RECENT_KEPT = 200;
/** How many actor registrations a new client is replayed. */
const ACTORS_KEPT = 1_000;

/** The `type` of a JSON message, if it has one. */
function typeOf(message: string): unknown {
  try {
    return (JSON.parse(message) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

/** Messages a client joining late is given: every actor registration kept, then the most recent others. */
export class Replay {
  #actors: string[] = [];
  #recent: string[] = [];

  record(message: string): void {
    // Without the registrations a late inspector could not place any event.
    const list = typeOf(message) === '@xstate.actor' ? this.#actors : this.#recent;
    const cap = list === this.#actors ? ACTORS_KEPT : RECENT_KEPT;
    list.push(message);
    if (list.length > cap) list.shift();
  }

  messages(): string[] {
    return [...this.#actors, ...this.#recent];
  }
}
