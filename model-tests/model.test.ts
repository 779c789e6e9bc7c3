import fc from 'fast-check';
import { describe, test } from 'vitest';
import { poolCommands, runPoolCommands } from './commands.js';
import { checkProperty } from './runs.js';

describe('the pool against the model of SPEC', () => {
  test('every story of calls settles as the model says and keeps every invariant', async () => {
    await checkProperty(
      'every story of calls settles as the model says and keeps every invariant',
      fc.asyncProperty(poolCommands(), (commands) => runPoolCommands(commands)),
      1000,
    );
  });

  test('with a default target, keyed requests create groups on demand that go when idle, as the model says', async () => {
    await checkProperty(
      'with a default target, keyed requests create groups on demand that go when idle, as the model says',
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), poolCommands(), (defaultTarget, commands) =>
        runPoolCommands(commands, { defaultTarget }),
      ),
      500,
    );
  });

  test('long stories without stop keep agreeing with the model', async () => {
    const noStop = poolCommands({ maxCommands: 150, stop: false });
    await checkProperty(
      'long stories without stop keep agreeing with the model',
      fc.asyncProperty(noStop, (commands) => runPoolCommands(commands)),
      150,
    );
  });
});
