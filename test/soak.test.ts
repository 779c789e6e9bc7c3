import { describe, expect, test } from 'vitest';
import { readSoakOptions } from '../soak/options.js';
import { runSoak } from '../soak/run-soak.js';

describe('soak runner', () => {
  test('runs model-checked epochs against one long-lived pool and leaves it empty between them', async () => {
    const result = await runSoak({ minutes: 10, epoch: 200, reportSeconds: 3600, seed: 42, maxEpochs: 3 });
    expect(result.epochs).toBe(3);
    expect(result.commands).toBeGreaterThan(0);
    expect(result.checks).toBe(result.commands + result.epochs);
    expect(result.leasesIssued).toBeGreaterThan(0);
  });

  test('rejects a bad --minutes, naming the value', () => {
    expect(() => readSoakOptions(['--minutes=-3'])).toThrow(/--minutes.*`-3`/);
  });
});
