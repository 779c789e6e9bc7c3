import type { InspectionEvent } from 'xstate';

type Serialisable = { toJSON(): unknown };

function isSerialisable(value: unknown): value is Serialisable {
  return typeof value === 'object' && value !== null && typeof (value as Serialisable).toJSON === 'function';
}

/**
 * The inspection event with its snapshot's context taken as it is now.
 * The pool's context parts are changed in place (copying them per event
 * would cost O(keys)), and inspectors serialise snapshots later, after a
 * timer: without this, every pool snapshot would show the counts of the
 * moment it was sent, not of the event it belongs to. Each part with a
 * `toJSON` is replaced by a plain copy of its summary; other events and
 * contexts pass through untouched.
 */
export function pinSnapshot(event: InspectionEvent): InspectionEvent {
  if (event.type !== '@xstate.snapshot') return event;
  const snapshot = event.snapshot as { context?: unknown };
  const context = snapshot.context;
  if (typeof context !== 'object' || context === null) return event;
  let pinned: Record<string, unknown> | undefined;
  for (const [name, part] of Object.entries(context)) {
    if (!isSerialisable(part)) continue;
    pinned ??= { ...context };
    pinned[name] = JSON.parse(JSON.stringify(part));
  }
  if (!pinned) return event;
  // A shallow copy keeps the snapshot's own methods (`matches`, `toJSON`), which read `this`.
  const copy: unknown = { ...event.snapshot, context: pinned };
  return { ...event, snapshot: copy as typeof event.snapshot };
}
