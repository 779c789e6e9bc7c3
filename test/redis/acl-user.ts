import { connectClient } from './clients.js';

/**
 * Creates ACL user `name` (password `secret`) on the Redis at `url`,
 * allowed exactly `commands` on the pool's keys and channels
 * (`{workpool:*`).
 */
export async function createAclUser(url: string, name: string, commands: readonly string[]): Promise<void> {
  const admin = await connectClient('node-redis', url);
  try {
    await admin.command([
      'ACL',
      'SETUSER',
      name,
      'reset',
      'on',
      '>secret',
      '~{workpool:*',
      '&{workpool:*',
      '-@all',
      ...commands.map((command) => `+${command}`),
    ]);
  } finally {
    await admin.close();
  }
}
