// How long `poll` waits and how often it reads, when not told: the one home of both numbers, for the `poll` command's
// --timeout/--interval defaults (command-options.ts) and the `run` script's `poll` verb (parse-script.ts) alike, so the
// command and the verb cannot drift apart. `watch`'s sampling interval lives here too, beside them.

/** Default wait of a poll before it gives up (exit 7). */
export const DEFAULT_POLL_MS = 10_000;
/** Default time between two reads of a poll. */
export const DEFAULT_POLL_INTERVAL_MS = 10;

/** Default time between two samples of `watch` (watch(1)'s default is 2 s; a register changes faster than a file). */
export const DEFAULT_WATCH_INTERVAL_MS = 1000;

/** `ms` as an option value parsePeriod reads back to the same number: 10000 -> "10s", 10 -> "10ms". */
export function periodOption(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
