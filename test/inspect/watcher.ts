import { WebSocket } from 'ws';
import type { InspectMessage } from '../inspect-support.js';

/** A WebSocket client of the relay that keeps every message it is sent. */
export class Watcher {
  readonly messages: InspectMessage[] = [];
  readonly socket: WebSocket;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  #waits: Array<() => void> = [];

  constructor(url: string, options?: { origin: string }) {
    this.socket = new WebSocket(url, options);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const wake of this.#waits.splice(0)) wake();
    });
  }

  /** Resolves when the socket opens; rejects if the handshake fails (a refused Origin: 401). */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** Resolves once the messages received satisfy `done`; rejects after `timeoutMs`, saying what arrived. */
  async until(done: (messages: readonly InspectMessage[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`the condition did not hold within ${timeoutMs} ms (${this.messages.length} messages)`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.#waits.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }
}
