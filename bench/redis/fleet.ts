import { type ChildProcess, fork } from 'node:child_process';
import type { Command, Reply, SessionConfig } from './protocol.js';

type ReplyOf<Op extends Reply['op']> = Extract<Reply, { op: Op }>;

/** A member process of the benchmark, driven over IPC (see `member.ts`). */
export class Member {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<Reply['op'], Array<(reply: Reply) => void>>();
  readonly #early = new Map<Reply['op'], Reply[]>();
  #failure: Error | undefined;
  readonly #exited: Promise<void>;

  constructor() {
    this.#child = fork(new URL('./member.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.on('message', (reply: Reply) => {
      if (reply.op === 'failed') {
        this.#fail(new Error(`member ${this.#child.pid} failed: ${reply.message}`));
        return;
      }
      const waiter = this.#waiting.get(reply.op)?.shift();
      if (waiter) waiter(reply);
      else this.#early.set(reply.op, [...(this.#early.get(reply.op) ?? []), reply]);
    });
    this.#child.once('exit', (code, signal) => this.#fail(new Error(`member exited (${code ?? signal})`)));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiters of this.#waiting.values())
      for (const wake of waiters.splice(0)) wake({ op: 'failed', message: error.message });
  }

  /** Sends `command`. */
  send(command: Command): void {
    if (this.#failure) throw this.#failure;
    this.#child.send(command);
  }

  /** The next `op` reply of this member (one received before the call counts). */
  next<Op extends Reply['op']>(op: Op): Promise<ReplyOf<Op>> {
    const early = this.#early.get(op)?.shift();
    if (early) return Promise.resolve(early as ReplyOf<Op>);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(op) ?? [];
      list.push((reply) => (reply.op === 'failed' ? reject(this.#failure) : resolve(reply as ReplyOf<Op>)));
      this.#waiting.set(op, list);
    });
  }

  /** Opens a session of `config` and resolves once it is ready. */
  async open(config: SessionConfig): Promise<void> {
    this.send({ op: 'open', config });
    await this.next('opened');
  }

  /** Closes the open session. */
  async close(): Promise<void> {
    this.send({ op: 'close' });
    await this.next('closed');
  }

  /** Ends the process (SIGKILL if it has not left within 5 s). */
  async exit(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.send({ op: 'exit' } satisfies Command);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
      await this.#exited;
      clearTimeout(timer);
    }
  }
}

/** Starts `count` member processes; `stop()` ends them all. */
export async function startMembers(count: number): Promise<Member[]> {
  return Array.from({ length: count }, () => new Member());
}
