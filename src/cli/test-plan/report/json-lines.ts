// JSON Lines for programs: one record per line, written as the plan runs ({"type":"begin"}, one {"type":"case"} per
// case, {"type":"end"} with the counts), so a farm or a script reads progress before the plan ends.
import { jsonUnsafeEscaped } from "../../output/safe-text.ts";
import type { CaseResult, PlanReporter, PlanResult, PlanStart } from "../result.ts";
import { countStatuses, unreported } from "./counts.ts";

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
      write(line({ type: "begin", ...start }));
    },
    case(result: CaseResult) {
      n++;
      write(line({ type: "case", ...result }));
    },
    end(result: PlanResult) {
      for (const c of unreported(result.cases, n)) {
        n++;
        write(line({ type: "case", ...c }));
      }
      const end: Record<string, unknown> = {
        type: "end",
        plan: result.plan,
        ...countStatuses(result.cases),
        startedAt: result.startedAt,
        durationMs: result.durationMs,
        exitCode: result.exitCode,
      };
      if (result.interrupted !== undefined) end.interrupted = result.interrupted;
      write(line(end));
    },
  };
}
