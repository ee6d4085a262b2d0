// What the reports share, computed in one place so they never disagree about a plan: the counts every report closes
// with (TAP's closing comment, JUnit's attributes, the JSON Lines "end" record, the summary line) and the one-line
// reason a case did not pass (JUnit's failure message, the summary's FAIL line).
import type { CaseResult, CaseStatus } from "../result.ts";

/** A duration in ms to the microsecond: the most a step's timing means (a float's long tail is only noise). */
export function durationMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface StatusCounts {
  total: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

const FIELD: Readonly<Record<CaseStatus, keyof Omit<StatusCounts, "total">>> = {
  pass: "passed",
  fail: "failed",
  error: "errors",
  skip: "skipped",
};

/** How many of `cases` passed, failed, errored and were skipped. */
export function countStatuses(cases: readonly CaseResult[]): StatusCounts {
  const counts: StatusCounts = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 };
  for (const c of cases) {
    counts.total++;
    counts[FIELD[c.status]]++;
  }
  return counts;
}

/**
 * Why a case did not pass, on one line: its message, then "expected X, read Y" unless the message already names both
 * values (the CLI's own check messages do: "RTCRIS is 0x0, expected 0x1: ..."). Empty when there is nothing to say.
 */
export function failureText(c: CaseResult): string {
  const message = c.message ?? "";
  if (c.expected === undefined && c.actual === undefined) return message;
  const named = c.expected !== undefined && c.actual !== undefined && message.includes(c.expected) && message.includes(c.actual);
  if (named) return message;
  const values = `expected ${c.expected ?? "?"}, read ${c.actual ?? "?"}`;
  return message === "" ? values : `${message}: ${values}`;
}

/** The cases of `result` the streaming reporters have not written yet (the plan ends with skips after a signal). */
export function unreported(cases: readonly CaseResult[], reported: number): readonly CaseResult[] {
  return cases.slice(reported);
}
