import fc from 'fast-check';
import { describe, test } from 'vitest';
import { raceScenarioArb, runRaceScenario } from './race-scenario.js';
import { checkProperty } from './runs.js';

describe('races between acquire, abort, release, stop and the async iterator', () => {
  test('every interleaving keeps leases counted once, wake-ups delivered and stop final', async () => {
    await checkProperty(
      'every interleaving keeps leases counted once, wake-ups delivered and stop final',
      fc.asyncProperty(fc.scheduler(), raceScenarioArb, runRaceScenario),
      1500,
    );
  });
});
