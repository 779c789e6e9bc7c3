import { describe, expect, test } from 'vitest';
import { redisSection, withRedisSection } from '../bench/redis/results-file.js';

describe('the Redis-mode section of bench/RESULTS.md', () => {
  test('is appended, between its markers, to a file that has none', () => {
    const text = withRedisSection('# Benchmark results\n\nin-process tables\n', '## Redis mode\n\nfigures');
    expect(text).toBe(
      '# Benchmark results\n\nin-process tables\n\n<!-- redis-mode:start -->\n## Redis mode\n\nfigures\n<!-- redis-mode:end -->\n',
    );
  });

  test('replaces the old section and leaves the rest of the file as it was', () => {
    const old = withRedisSection('# Results\n\nA\n', 'old figures');
    const text = withRedisSection(`${old}\nafter\n`, 'new figures');
    expect(text).toContain('# Results\n\nA\n');
    expect(text).toContain('new figures');
    expect(text).not.toContain('old figures');
    expect(text.endsWith('\nafter\n')).toBe(true);
  });

  test('is found again as written, so that npm run bench --write can carry it over', () => {
    const text = withRedisSection('# Results\n', 'figures');
    expect(withRedisSection('# Regenerated\n', redisSection(text) as string)).toBe(
      text.replace('# Results', '# Regenerated'),
    );
    expect(redisSection('# no section here')).toBeUndefined();
  });
});
