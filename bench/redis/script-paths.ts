/**
 * Redis Functions against EVALSHA on one `redis-server`, in one run: four
 * members (ScriptRunners over one node-redis client) of one pool per path,
 * a key with target 4 and `waiters` waiters; each cycle is a release that
 * hands off plus an acquire that queues. Blocks of cycles alternate between
 * the paths, so the machine's load falls on both alike. Prints Redis' main
 * thread CPU per cycle (`INFO cpu`) and the scripts' own time per cycle
 * (`INFO commandstats` usec of `fcall` and of `evalsha`, inner commands
 * included) for each path, and their ratios.
 *
 * Usage: npx tsx bench/redis/script-paths.ts [blocks=8] [cycles per block=2500] [waiters=64]
 */
import { createClient } from 'redis';
import { startRedisServer } from '../../demo/redis-server.js';
import { poolKeys } from '../../src/redis/redis-keys.js';
import { type Notice, parseNotice, ScriptRunner } from '../../src/redis/script-runner.js';

const [blocks = 8, perBlock = 2500, waiters = 64] = process.argv.slice(2).map(Number);
const server = await startRedisServer();
const client = await createClient({ url: server.url }).connect();
const admin = await createClient({ url: server.url }).connect();

/** Redis' main-thread CPU and the usec `INFO commandstats` gives each script command, so far. */
async function stats(): Promise<{ cpu: number; fcall: number; evalsha: number }> {
  const info = String(await admin.sendCommand(['INFO', 'all']));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const usec = (command: string) =>
    Number(new RegExp(`^cmdstat_${command}:calls=\\d+,usec=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    cpu: (field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread')) * 1e6,
    fcall: usec('fcall'),
    evalsha: usec('evalsha'),
  };
}

/** A pool on one path, its key full and `waiters` queued; resolves to a function that runs n cycles. */
async function contendedPool(functions: boolean): Promise<(cycles: number) => Promise<void>> {
  // The adapter reads the switch when it is made.
  process.env.XSTATE_WORKPOOL_REDIS_FUNCTIONS = functions ? '1' : '0';
  const keys = poolKeys('bench', `paths-${functions}`);
  const members = ['a', 'b', 'c', 'd'].map((member) => new ScriptRunner(client, keys, member));
  const held = new Map<string, number[]>(members.map((m) => [m.member, []]));
  const take = (member: string) => (notice: Notice) => {
    if (notice.type === 'grant') held.get(member)?.push(notice.lease);
  };
  for (const m of members) {
    m.onNotice = take(m.member);
    await m.adapter.subscribe(
      [keys.channel(m.member)],
      (text) => {
        const notice = parseNotice(text);
        if (notice) take(m.member)(notice);
      },
      false,
    );
    await m.join(600_000);
  }
  await members[0]?.set('one', 4);
  let request = 0;
  const ask = async (m: ScriptRunner) => {
    const reply = await m.acquire(++request, 'one');
    if (reply.status === 'granted') held.get(m.member)?.push(reply.lease);
  };
  for (let i = 0; i < 4 + waiters; i++) await ask(members[i % 4] as ScriptRunner);
  let turn = 0;
  return async (cycles) => {
    for (let done = 0; done < cycles; ) {
      let holder: ScriptRunner | undefined;
      for (let k = 0; k < 4 && !holder; k++) {
        const candidate = members[(turn + k) % 4] as ScriptRunner;
        if ((held.get(candidate.member) ?? []).length > 0) holder = candidate;
      }
      turn++;
      if (!holder) {
        // The grant is on its way on the subscriber connection.
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      await holder.release(held.get(holder.member)?.shift() as number);
      await ask(holder);
      done++;
    }
  };
}

const byFunctions = await contendedPool(true);
const byEvalsha = await contendedPool(false);
await byFunctions(1_000);
await byEvalsha(1_000);
const total = { functions: { cpu: 0, script: 0 }, evalsha: { cpu: 0, script: 0 } };
for (let block = 0; block < blocks; block++) {
  for (const [path, run] of [
    ['functions', byFunctions],
    ['evalsha', byEvalsha],
  ] as const) {
    const before = await stats();
    await run(perBlock);
    const after = await stats();
    total[path].cpu += after.cpu - before.cpu;
    total[path].script += path === 'functions' ? after.fcall - before.fcall : after.evalsha - before.evalsha;
  }
}
const cycles = blocks * perBlock;
const per = (value: number) => (value / cycles).toFixed(1);
console.log(
  `${waiters} waiters, ${cycles} cycles by each path, alternating blocks of ${perBlock}:\n` +
    `  FCALL:   Redis CPU ${per(total.functions.cpu)} µs/cycle, script time ${per(total.functions.script)} µs/cycle\n` +
    `  EVALSHA: Redis CPU ${per(total.evalsha.cpu)} µs/cycle, script time ${per(total.evalsha.script)} µs/cycle\n` +
    `  FCALL ÷ EVALSHA: CPU ${(total.functions.cpu / total.evalsha.cpu).toFixed(3)}, script time ${(total.functions.script / total.evalsha.script).toFixed(3)}`,
);
await client.close();
await admin.close();
await server.stop();
