// JSON Lines for programs: one record per line, written as the plan runs ({"type":"begin"}, one {"type":"case"} per
// case, {"type":"end"} with the counts), so a farm or a script reads progress before the plan ends. Keys are the
// camelCase of result.ts (the one model every report is written from), "schema": 1 on begin and end (docs/plans.md).
import { jsonUnsafeEscaped } from "../../output/safe-text.ts";
import type { CaseResult, PlanReporter, PlanResult, PlanStart } from "../result.ts";
import { countStatuses, durationMs, unreported } from "./counts.ts";

/** The version of these records' shape; a change that is not an added key bumps it. */
const SCHEMA = 1;

/** One record: JSON with the characters JSON leaves raw (DEL, C1, bidi controls) escaped too, then a newline. */
function line(record: Record<string, unknown>): string {
  return `${jsonUnsafeEscaped(JSON.stringify(record))}\n`;
}

/**
 * A reporter writing JSON Lines through `write`, one record per call. The "end" record carries the plan's counts
 * (total, passed, failed, errors, skipped), durationMs, startedAt, exitCode and interrupted (when a signal stopped it);
 * cases the plan did not report one by one are written before it. `write`'s errors propagate.
 */
export function jsonLinesReporter(write: (text: string) => void): PlanReporter {
  let n = 0;
  return {
    begin(start: PlanStart) {
      write(line({ type: "begin", schema: SCHEMA, ...start }));
    },
    case(result: CaseResult) {
      n++;
      write(line({ type: "case", ...result, durationMs: durationMs(result.durationMs) }));
    },
    end(result: PlanResult) {
      for (const c of unreported(result.cases, n)) {
        n++;
        write(line({ type: "case", ...c, durationMs: durationMs(c.durationMs) }));
      }
      const end: Record<string, unknown> = {
        type: "end",
        schema: SCHEMA,
        plan: result.plan,
        ...countStatuses(result.cases),
        startedAt: result.startedAt,
        durationMs: durationMs(result.durationMs),
        exitCode: result.exitCode,
      };
      if (result.interrupted !== undefined) end.interrupted = result.interrupted;
      write(line(end));
    },
  };
}
