/**
 * The relay could not listen where it was asked to (the port is taken, the
 * address is not this machine's); the message names the address and the cause.
 */
export class InspectRelayError extends Error {
  /** Always `'InspectRelayError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'InspectRelayError';
}
