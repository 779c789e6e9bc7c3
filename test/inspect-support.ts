/** The fields of a Stately inspection message that the inspect tests read. */
export interface InspectMessage {
  readonly type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot' | string;
  readonly name?: string;
  readonly sessionId: string;
  readonly parentId?: string;
  readonly event?: { readonly type: string; readonly [field: string]: unknown };
  readonly snapshot?: { readonly value?: unknown; readonly context?: Record<string, unknown> };
}

/** The pool context as the inspector receives it. */
export interface PoolContextSummary {
  readonly groups: { readonly count: number; readonly groups: string[] };
  readonly waiters: { readonly waiting: number };
  readonly leases: { readonly out: number };
  readonly ready: unknown;
}

/** The registration message of the actor named `name`. */
export function actorNamed(messages: readonly InspectMessage[], name: string): InspectMessage | undefined {
  return messages.find((m) => m.type === '@xstate.actor' && m.name === name);
}

/**
 * The context of the snapshot `sessionId` took on the event `matches`
 * accepts; snapshots are paired with the event that caused them.
 */
export function contextAfter(
  messages: readonly InspectMessage[],
  sessionId: string,
  matches: (event: NonNullable<InspectMessage['event']>) => boolean,
): Record<string, unknown> | undefined {
  const found = messages.find(
    (m) => m.type === '@xstate.snapshot' && m.sessionId === sessionId && m.event !== undefined && matches(m.event),
  );
  return found?.snapshot?.context;
}
