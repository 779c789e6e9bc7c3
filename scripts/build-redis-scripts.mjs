// Writes src/redis/scripts.generated.ts: the Lua of the Redis mode (src/redis/scripts/*.lua and the
// includes in src/redis/scripts/includes/), so that it ships inside dist as plain modules, loaded only by
// the `xstate-workpool/redis` entry, in two forms:
// - one script per decision, for EVALSHA: the includes' local functions that the script reaches (and
//   their shared state), in the includes' order, then the script's body. Redis runs a script's top level
//   at every call, so a function it never calls would cost a closure per call.
// - one library of Redis Functions, for FCALL: every include once, then each body registered as a
//   function. Redis runs a library's top level once, at FUNCTION LOAD. The library and its functions are
//   named after a hash of its text, so that members of two versions of the package never replace each
//   other's functions.
// `npm run build` runs it; test/redis/scripts-generated.test.ts fails when the file is stale.
//
// Usage: node scripts/build-redis-scripts.mjs [--check]
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(repo, 'src', 'redis', 'scripts');
const out = join(repo, 'src', 'redis', 'scripts.generated.ts');

/** The includes, in the order a script needs them: each one uses only those before it. */
const includeOrder = ['pool', 'foreign', 'grants', 'reap'];

/**
 * An include cut into chunks: each top-level `local function` with the comment lines right above it
 * (a function chunk, named), and everything else (state, comments) between them.
 */
function chunks(text) {
  const lines = text.split('\n');
  const out = [];
  let loose = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^local function ([A-Za-z_][A-Za-z0-9_]*)\(/.exec(lines[i]);
    if (!match) {
      loose.push(lines[i]);
      continue;
    }
    let start = loose.length;
    while (start > 0 && loose[start - 1].startsWith('--')) start--;
    const comment = loose.splice(start);
    if (loose.length > 0) out.push({ text: loose.join('\n') });
    loose = [];
    let end = i;
    while (end < lines.length && lines[end] !== 'end') end++;
    if (end === lines.length) throw new Error(`local function ${match[1]} has no \`end\` at the start of a line`);
    out.push({ name: match[1], text: [...comment, ...lines.slice(i, end + 1)].join('\n') });
    i = end;
  }
  if (loose.length > 0) out.push({ text: loose.join('\n') });
  return out;
}

/** The names a piece of Lua uses, comments and string literals left out. */
function namesIn(lua) {
  const code = lua.replace(/--[^\n]*/g, '').replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
  return new Set(code.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

/** The includes' chunks, in order, each with the include it came from. */
function includeChunks() {
  return includeOrder.flatMap((name) => chunks(readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8')));
}

/** The text of the includes that `body` reaches: their loose chunks, and the functions it calls, transitively. */
function reached(all, body) {
  const byName = new Map(all.filter((c) => c.name).map((c) => [c.name, c]));
  const used = new Set();
  const pending = [...namesIn(body), ...all.filter((c) => !c.name).flatMap((c) => [...namesIn(c.text)])];
  while (pending.length > 0) {
    const name = pending.pop();
    const chunk = byName.get(name);
    if (!chunk || used.has(name)) continue;
    used.add(name);
    pending.push(...namesIn(chunk.text));
  }
  return all
    .filter((c) => !c.name || used.has(c.name))
    .map((c) => c.text)
    .join('\n');
}

const sha1 = (text) => createHash('sha1').update(text).digest('hex');

/** The generated module's text, from the .lua files as they are now. */
export function generate() {
  const all = includeChunks();
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((f) => f.slice(0, -'.lua'.length));
  const bodies = new Map(names.map((name) => [name, readFileSync(join(dir, `${name}.lua`), 'utf8')]));
  const scripts = names.map((name) => {
    const source = `${reached(all, bodies.get(name))}\n${bodies.get(name)}`;
    return `  ${name}: { sha: '${sha1(source)}', source: ${JSON.stringify(source)} },`;
  });
  // Each body is a chunk ending in `return run(KEYS, ARGV, …)`: as a function, KEYS and ARGV are its parameters.
  const registrations = (prefix) =>
    names.map(
      (name) => `redis.register_function('${prefix}${name}', function(KEYS, ARGV)\n${bodies.get(name).trimEnd()}\nend)`,
    );
  const includes = all.map((c) => c.text).join('\n');
  const library = `workpool_${sha1([includes, ...registrations('')].join('\n')).slice(0, 16)}`;
  const librarySource = [`#!lua name=${library}`, includes, ...registrations(`${library}_`), ''].join('\n');
  return [
    '// Generated by scripts/build-redis-scripts.mjs from src/redis/scripts/*.lua: edit those, then run it.',
    '',
    '/** Each script of the Redis pool, for EVALSHA: its text (the includes it uses, then its body) and its SHA1. */',
    'export const scriptSources = {',
    ...scripts,
    '} as const;',
    '',
    '/** The name of a script of the Redis pool. */',
    'export type ScriptName = keyof typeof scriptSources;',
    '',
    '/**',
    ' * The same scripts as one library of Redis Functions, for FCALL: its name, its text for FUNCTION LOAD,',
    ' * and the function each script is registered as (`<library>_<script>`).',
    ' */',
    'export const functionLibrary = {',
    `  name: '${library}',`,
    `  source: ${JSON.stringify(librarySource)},`,
    `  functions: { ${names.map((name) => `${name}: '${library}_${name}'`).join(', ')} },`,
    '} as const;',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes('--check')) {
    if (readFileSync(out, 'utf8') !== text) {
      process.stderr.write('src/redis/scripts.generated.ts is stale: run node scripts/build-redis-scripts.mjs\n');
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
  }
}
