export { InspectRelayError } from './errors.js';
export { type InspectRelay, type RelayClient, startInspectRelay } from './inspect-relay.js';
export { type InspectSession, startInspectSession } from './inspect-session.js';
export type { InspectRelayOptions, InspectSessionOptions } from './options.js';
