import { browserTestsRun, CHROMIUM } from './browser-support.js';
import { hasScript } from './terminal-support.js';

/**
 * Vitest global setup: says in one line each why a test will be skipped on
 * this machine, so that `npm test` never skips silently.
 */
export default function sayWhatIsSkipped(): void {
  const skipped: string[] = [];
  if (!browserTestsRun) {
    skipped.push(
      `the 2 browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium; CI sets REQUIRE_CHROMIUM=1 so that they fail instead)`,
    );
  }
  if (!hasScript) skipped.push('the demo’s terminal test: no util-linux `script` to give it a pseudo-terminal');
  for (const line of skipped) console.warn(`Skipped here: ${line}`);
}
