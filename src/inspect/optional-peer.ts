/**
 * Imports the optional peer dependency `name` for `call`; rejects with an
 * `Error` saying how to install it when it is missing. Imported on use, so
 * that importing `xstate-workpool/inspect` works without either peer.
 */
export async function importPeer<T>(load: () => Promise<T>, name: string, call: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(`\`${call}\` needs the optional peer dependency \`${name}\`: npm install ${name}`, {
      cause: error,
    });
  }
}
