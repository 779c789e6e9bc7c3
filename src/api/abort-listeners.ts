/** The handlers waiting on one signal, and the one listener that runs them. */
interface Handlers {
  readonly set: Set<() => void>;
  readonly listener: () => void;
}

const bySignal = new WeakMap<AbortSignal, Handlers>();

/**
 * Runs `handler` once when `signal`, which must not have aborted yet,
 * aborts, like
 * `addEventListener('abort', handler, { once: true })`, but with one real
 * listener per signal however many handlers wait on it: a service passes
 * one shutdown signal to thousands of calls, and Node warns past ten
 * listeners on a signal and scans them all to remove one. Handlers run in
 * the order they were added. Returns what removes `handler` (the last one
 * off a signal removes its listener); removing twice does nothing.
 */
export function onAbort(signal: AbortSignal, handler: () => void): () => void {
  let handlers = bySignal.get(signal);
  if (!handlers) {
    const set = new Set<() => void>();
    const listener = () => {
      bySignal.delete(signal);
      // One handler may remove another that has not run yet: that one is skipped.
      for (const run of [...set]) if (set.delete(run)) run();
    };
    signal.addEventListener('abort', listener, { once: true });
    handlers = { set, listener };
    bySignal.set(signal, handlers);
  }
  // A wrapper, so that the same function added twice is removed once per add.
  const entry = () => handler();
  const { set, listener } = handlers;
  set.add(entry);
  return () => {
    if (!set.delete(entry) || set.size > 0) return;
    if (bySignal.get(signal)?.set === set) bySignal.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
