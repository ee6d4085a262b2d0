// The counts every report closes with (TAP's closing comment, JUnit's attributes, the JSON Lines "end" record, the
// people's summary line), computed in one place so the four reports never disagree about a plan.
import type { CaseResult, CaseStatus } from "../result.ts";

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

/** The cases of `result` the streaming reporters have not written yet (the plan ends with skips after a signal). */
export function unreported(cases: readonly CaseResult[], reported: number): readonly CaseResult[] {
  return cases.slice(reported);
}
