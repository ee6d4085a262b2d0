// Parses a time period typed by the user (`--timeout 5s`, `--idle-timeout 1500us`), gpiomon-style: units us, ms, s, m,
// a bare number meaning milliseconds. Returns milliseconds as a number because poll(2) and timers take milliseconds.
import { UsageError } from "../usage-error.ts";
import { notationProblem } from "./numbers.ts";

/** What parsePeriod accepts, for hints and help texts. */
export const PERIOD_FORMS = "a number with unit us, ms, s or m (1500us, 100ms, 1.5s, 2m); a bare number is milliseconds";

/** Longest period accepted: poll(2) takes a signed 32-bit millisecond timeout (about 24.8 days). */
export const PERIOD_MAX_MS = 2 ** 31 - 1;

// Microseconds per unit. Periods are computed in whole microseconds (rounded) so `1.005s` is 1005 ms, not 1004.999...
const UNIT_US: Readonly<Record<string, number>> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };

export interface PeriodOptions {
  /** Accept `0` (default true). Zero means "do not wait": check once and return, like poll(2) with timeout 0. */
  allowZero?: boolean;
}

/**
 * Parse a period to milliseconds. `5s` -> 5000, `100ms` -> 100, `1500us` -> 1.5, `2m` -> 120000, `1.5s` -> 1500,
 * `250` -> 250. The result can be fractional (microseconds); round it up (Math.ceil) before giving it to poll(2) so a
 * wait is never shorter than asked.
 * `0` (any unit) is allowed unless `allowZero: false`, and means "do not wait".
 * Refuses empty text, whitespace, signs, exponents, unknown units (including `h`), a missing leading digit (`.5s`)
 * and periods over PERIOD_MAX_MS.
 * @param what names the option in messages ("--timeout").
 * @throws UsageError naming `what` and the text, with a hint listing the accepted forms.
 */
export function parsePeriod(text: string, what: string, opts: PeriodOptions = {}): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(us|ms|s|m)?$/.exec(text);
  if (!m) {
    const number = text.replace(/(?:us|ms|s|m)$/, "");
    const why =
      text === "" ? "empty" : /^[+-]/.test(text) ? "signs are not accepted" : (notationProblem(number, { fractions: true }) ?? "not a period");
    throw new UsageError(`invalid ${what} '${text}': ${why}`, `write ${PERIOD_FORMS}`);
  }
  const ms = Math.round(Number(m[1]) * UNIT_US[m[2] ?? "ms"]!) / 1000;
  if (ms === 0 && Number(m[1]) !== 0) {
    throw new UsageError(`invalid ${what} '${text}': shorter than 1 us`, `write ${PERIOD_FORMS}`);
  }
  if (ms === 0 && opts.allowZero === false) {
    throw new UsageError(`invalid ${what} '${text}': must be greater than zero`, `write ${PERIOD_FORMS}`);
  }
  if (ms > PERIOD_MAX_MS) {
    throw new UsageError(`invalid ${what} '${text}': too long`, `the longest period is ${PERIOD_MAX_MS} ms (about 24 days)`);
  }
  return ms;
}

/** Format milliseconds back for messages: 5000 -> "5 s", 100 -> "100 ms", 1.5 -> "1500 us". */
export function formatPeriod(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (Number.isInteger(ms)) return `${ms} ms`;
  return `${Math.round(ms * 1000)} us`;
}
