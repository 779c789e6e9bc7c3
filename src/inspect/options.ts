/** Options of {@link startInspectRelay}. Each accepts `undefined` as "absent". */
export interface InspectRelayOptions {
  /** The TCP port; 0 takes any free one. @default 8080 */
  readonly port?: number | undefined;
  /**
   * The address to listen on. Anyone who can reach it sees every key,
   * event and context of the inspected pool, so the default is this
   * machine only; give another (`'0.0.0.0'`) only on a network you trust.
   * @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /** Open the relay's page in the default browser once it listens. @default false */
  readonly autoOpen?: boolean | undefined;
  /** The Stately inspector page that the relay's page embeds. @default 'https://stately.ai/inspect' */
  readonly inspectorUrl?: string | undefined;
}

/**
 * Options of {@link startInspectSession}: those of the relay it starts.
 * With `autoOpen` the browser is opened once the session's own inspector
 * is connected, so the page never takes its place.
 */
export type InspectSessionOptions = InspectRelayOptions;
