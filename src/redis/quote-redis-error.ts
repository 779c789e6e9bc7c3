/** The longest reason a pool's error message quotes; the client's whole error stays its `cause`. */
export const maxQuotedReason = 300;

/** How much of a script's text identifies it when a client quotes it. */
const sourceProbe = 40;

/**
 * Redis' reason for a failed call, short enough for an error message: the
 * first line of the client's message, cut where it quotes the script's
 * text (`source`, 20 KB for the pool's scripts) or the command's arguments,
 * and at most {@link maxQuotedReason} characters. Never throws.
 */
export function quoteRedisError(error: unknown, source?: string): string {
  let reason = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] as string;
  // Redis quotes the first arguments of a command it refuses unknown: EVAL's are the script's text.
  const argsAt = reason.indexOf(', with args beginning with:');
  if (argsAt >= 0) reason = reason.slice(0, argsAt);
  const sourceAt = source === undefined ? -1 : reason.indexOf(source.slice(0, sourceProbe));
  if (sourceAt >= 0) reason = `${reason.slice(0, sourceAt)}<script text>`;
  return reason.length > maxQuotedReason ? `${reason.slice(0, maxQuotedReason)}…` : reason;
}
