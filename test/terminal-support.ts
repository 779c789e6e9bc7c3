import { execFileSync } from 'node:child_process';
import { platform } from 'node:os';

/** Whether util-linux `script` is here to give the demo a pseudo-terminal. */
export const hasScript =
  platform() === 'linux' &&
  (() => {
    try {
      return execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux');
    } catch {
      return false;
    }
  })();
