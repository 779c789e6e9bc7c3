import { spawn } from 'node:child_process';
import { platform } from 'node:os';

/** Opens `url` in the default browser; a missing opener is not an error (a server has none). */
export function openInBrowser(url: string): void {
  const os = platform();
  const [command, args] =
    os === 'darwin' ? ['open', [url]] : os === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
