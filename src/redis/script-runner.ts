import { adaptClient, type LoadedScript, type RedisAdapter, type RedisReply } from './client-adapter.js';
import { ForeignValueError } from './errors.js';
import type { PoolKeys } from './redis-keys.js';
import { decodeText, encodeText } from './redis-keys.js';
import { functionLibrary, type ScriptName, scriptSources } from './scripts.generated.js';

/** What a script tells a member besides its reply. */
export type Notice =
  | {
      readonly type: 'grant';
      readonly request: number;
      readonly lease: number;
      readonly target: number;
      readonly active: number;
      readonly key: string;
    }
  | { readonly type: 'revoke'; readonly lease: number }
  | {
      readonly type: 'reaped';
      /** The incarnation of the member that was reaped (see {@link ScriptRunner.member}). */
      readonly member: string;
    };

/** Reads one notice as the scripts write it; undefined for anything else. */
export function parseNotice(text: string): Notice | undefined {
  if (text.startsWith('x ')) return { type: 'reaped', member: text.slice(2) };
  if (text.startsWith('r ')) return { type: 'revoke', lease: Number(text.slice(2)) };
  const match = /^g (\d+) (\d+) (\d+) (\d+) ([\s\S]*)$/.exec(text);
  if (!match) return undefined;
  return {
    type: 'grant',
    request: Number(match[1]),
    lease: Number(match[2]),
    target: Number(match[3]),
    active: Number(match[4]),
    key: decodeText(match[5] as string),
  };
}

/** Counts of a key as a script saw them. */
export interface SeenCounts {
  readonly key: string;
  readonly target: number;
  readonly active: number;
}

/** A lease as a heartbeat lists it. */
export interface HeldLease {
  readonly lease: number;
  readonly request: number;
  readonly revoked: boolean;
  readonly key: string;
}

export type GrantReply = { readonly status: 'granted'; readonly lease: number } & SeenCounts;
export type AcquireReply = GrantReply | { readonly status: 'queued' } | { readonly status: 'gone' };
export type TryReply = GrantReply | { readonly status: 'none' } | { readonly status: 'gone' };
export type HeartbeatReply =
  | {
      readonly status: 'ok';
      readonly leases: readonly HeldLease[];
      readonly waiting: readonly number[];
      /** The last lease id Redis issued in the pool: below one already seen, Redis lost writes. */
      readonly lastLease: number;
    }
  | { readonly status: 'gone' };

/** Each script, runnable by EVALSHA and by FCALL of its function in the pool's library (the adapter picks). */
const scripts = Object.fromEntries(
  (Object.keys(scriptSources) as ScriptName[]).map((name): [ScriptName, LoadedScript] => {
    const { sha, source } = scriptSources[name];
    return [name, { name, sha, source, fn: functionLibrary.functions[name], library: functionLibrary }];
  }),
) as Record<ScriptName, LoadedScript>;

function array(reply: RedisReply): RedisReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`Unexpected reply from a pool script: ${String(reply)}`);
  return reply;
}

function str(reply: RedisReply | undefined): string {
  return typeof reply === 'string' ? reply : String(reply);
}

function num(reply: RedisReply | undefined): number {
  return Number(reply);
}

/**
 * Runs the pool's scripts for one member and reads their replies: each call
 * is one atomic decision in Redis. A foreign
 * value in a key of the pool rejects with {@link ForeignValueError}; a
 * failed call with a `RedisPoolError`.
 */
export class ScriptRunner {
  readonly adapter: RedisAdapter;
  /** Where notices carried in replies go, in order, before the call resolves. */
  onNotice: (notice: Notice) => void = () => {};

  /**
   * The member id calls are sent as: the process's id, then `<process
   * id>/<n>` after its n-th rejoin. A new incarnation lets Redis itself
   * refuse (`gone`) what an old one sent, and lets its leave undo the rest.
   */
  member: string;

  constructor(
    client: unknown,
    readonly keys: PoolKeys,
    /** The member process's id: its notification channel's name, the same in every incarnation. */
    readonly process: string,
    /** The target of groups created on demand (D10), recorded and checked at join; undefined: none. */
    readonly defaultTarget?: number,
    /**
     * The pool's number of shards (D9), recorded and checked at join where
     * these are the pool's home keys; undefined for a shard of a sharded
     * pool, whose tag says it.
     */
    readonly poolShards: number | undefined = 1,
    /** The adapter of `client`, when another runner made it already. */
    adapter?: RedisAdapter,
  ) {
    this.adapter = adapter ?? adaptClient(client);
    this.member = process;
  }

  async #run(name: ScriptName, args: readonly string[], member = this.member): Promise<RedisReply[]> {
    const reply = array(
      await this.adapter.evalScript(scripts[name], this.keys.fixed, [this.keys.tag, member, ...args]),
    );
    if (reply[0] === 'foreign') throw new ForeignValueError(str(reply[1]), str(reply[2]));
    const notices = reply[reply.length - 1];
    if (Array.isArray(notices)) {
      for (const text of notices) {
        const notice = parseNotice(str(text));
        if (notice) this.onNotice(notice);
      }
    }
    return reply;
  }

  /**
   * Joins (or stays in) the pool for `ttl` ms of Redis time; resolves with
   * the last lease id issued in these keys. Rejects with a `RangeError`
   * naming both values, having written nothing, when the pool's live
   * members use another `defaultTarget` (D10) or number of `shards` (D9)
   * than this member's.
   */
  async join(ttl: number): Promise<number> {
    const asked = this.defaultTarget === undefined ? '' : String(this.defaultTarget);
    const shards = this.poolShards === undefined ? '' : String(this.poolShards);
    const reply = await this.#run('join', [String(ttl), asked, shards]);
    if (reply[0] === 'mismatch') {
      const recorded = str(reply[2]);
      if (str(reply[1]) === 'shards') {
        throw new RangeError(
          `Expected \`shards\` to be ${recorded}, as the pool's live members use, got ${shards}: ` +
            'every member of a pool uses the same number of shards; changing it is a migration (README: "Sharding a pool")',
        );
      }
      const show = (value: string) => (value === '' ? 'none' : value);
      throw new RangeError(
        `Expected \`defaultTarget\` to be ${show(recorded)}, as the pool's live members use, got ${show(asked)}: ` +
          'every member of a pool uses the same defaultTarget (or none)',
      );
    }
    return num(reply[2]);
  }

  /** The fleet-wide number of waiting requests: all, or those that asked for `key`. */
  async waiting(key: string | undefined): Promise<number> {
    const reply = await this.#run('waiting', [this.#want(key)]);
    return num(reply[1]);
  }

  /** Extends membership by `ttl` ms; lists this member's leases and waiters, or says it is no member. */
  async heartbeat(ttl: number): Promise<HeartbeatReply> {
    const reply = await this.#run('heartbeat', [String(ttl)]);
    if (reply[0] === 'gone') return { status: 'gone' };
    const flat = array(reply[2] ?? []);
    const leases: HeldLease[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const match = /^(\d+) ([01]) ([\s\S]*)$/.exec(str(flat[i + 1]));
      if (!match) continue;
      leases.push({
        lease: num(flat[i]),
        request: Number(match[1]),
        revoked: match[2] === '1',
        key: decodeText(match[3] as string),
      });
    }
    return { status: 'ok', leases, waiting: array(reply[3] ?? []).map(num), lastLease: num(reply[4]) };
  }

  /** Sets `key`'s target; resolves with its counts after, or undefined if this member is gone. */
  async set(key: string, target: number): Promise<SeenCounts | undefined> {
    const reply = await this.#run('set', [encodeText(key), String(target)]);
    if (reply[0] === 'gone') return undefined;
    return { key, target: num(reply[1]), active: num(reply[2]) };
  }

  /** `key`'s fleet-wide counts. */
  async get(key: string): Promise<SeenCounts> {
    const reply = await this.#run('get', [encodeText(key)]);
    return { key, target: num(reply[1]), active: num(reply[2]) };
  }

  /** Every group's counts, in the order the groups were created. */
  async groups(): Promise<SeenCounts[]> {
    const reply = await this.#run('keys', []);
    const flat = array(reply[1] ?? []);
    const rows: Array<SeenCounts & { created: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [target, active, created] = str(flat[i + 1])
        .split(' ')
        .map(Number);
      rows.push({ key: decodeText(str(flat[i])), target: target ?? 0, active: active ?? 0, created: created ?? 0 });
    }
    rows.sort((a, b) => a.created - b.created);
    return rows.map(({ key, target, active }) => ({ key, target, active }));
  }

  #want(key: string | undefined): string {
    return key === undefined ? '*' : `=${encodeText(key)}`;
  }

  #grant(reply: RedisReply[]): GrantReply {
    return {
      status: 'granted',
      lease: num(reply[1]),
      target: num(reply[2]),
      active: num(reply[3]),
      key: decodeText(str(reply[4])),
    };
  }

  /** Asks for a lease for `request`: granted now or queued. */
  async acquire(request: number, key: string | undefined): Promise<AcquireReply> {
    const reply = await this.#run('acquire', [String(request), this.#want(key)]);
    if (reply[0] === 'granted') return this.#grant(reply);
    return { status: reply[0] === 'queued' ? 'queued' : 'gone' };
  }

  /** A lease for `request` now, if one can be granted without passing over an older waiter. */
  async try(request: number, key: string | undefined): Promise<TryReply> {
    const reply = await this.#run('try', [String(request), this.#want(key)]);
    if (reply[0] === 'granted') return this.#grant(reply);
    return { status: reply[0] === 'none' ? 'none' : 'gone' };
  }

  /** Gives lease `lease` back; resolves with its key's counts after, or undefined if it was not out. */
  async release(lease: number): Promise<SeenCounts | undefined> {
    const reply = await this.#run('release', [String(lease)]);
    if (reply[0] !== 'ok') return undefined;
    return { key: decodeText(str(reply[3])), target: num(reply[1]), active: num(reply[2]) };
  }

  /** Withdraws waiting request `request`; false if it was not waiting (granted already, or gone). */
  async cancel(request: number): Promise<boolean> {
    const reply = await this.#run('cancel', [String(request)]);
    return reply[0] === 'ok';
  }

  /**
   * Withdraws every waiter of incarnation `member` (this one by default);
   * `final` also gives back its leases and ends its membership.
   */
  async leave(final: boolean, member = this.member): Promise<void> {
    await this.#run('leave', [final ? 'final' : 'waiters'], member);
  }
}
