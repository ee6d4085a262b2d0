// TAP version 13 for farms and CI (labgrid logs, LAVA's converter, any TAP consumer): the plan line first, one test
// line per case as it finishes (so a farm's log shows progress), a YAML diagnostic block on failures and errors,
// "# SKIP" directives, "Bail out!" when a signal stopped the plan, and a closing counts comment.
import { stringify } from "yaml";
import { escapeUnsafe, jsonUnsafeEscaped } from "../../output/safe-text.ts";
import type { CaseResult, PlanReporter, PlanResult, PlanStart } from "../result.ts";
import { countStatuses, durationMs, unreported } from "./counts.ts";

/**
 * A test point's description: the case id on one line. "#" starts a directive in TAP and "\" escapes it, so both are
 * escaped; control characters are shown escaped (a newline would end the test line).
 */
function description(id: string): string {
  return escapeUnsafe(id).replace(/\\/g, "\\\\").replace(/#/g, "\\#");
}

/** A directive's reason: one line, nothing a consumer would read as another directive or line. */
function reason(text: string): string {
  return escapeUnsafe(text).replace(/#/g, "\\#");
}

/** Control (except newline), DEL, C1, line/paragraph separator, bidi and BOM characters. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** The YAML diagnostic block of a failed or errored case, indented two spaces between "---" and "...". */
function diagnostics(c: CaseResult): string {
  const diag: Record<string, string | number> = { kind: c.kind, device: c.device };
  if (c.message !== undefined) diag.message = c.message;
  if (c.expected !== undefined) diag.expected = c.expected;
  if (c.actual !== undefined) diag.actual = c.actual;
  if (c.exitCode !== undefined) diag.exit = c.exitCode;
  diag.duration_ms = durationMs(c.durationMs);
  if (c.stdout) diag.stdout = c.stdout;
  if (c.stderr) diag.stderr = c.stderr;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(diag)) {
    if (typeof value === "string" && RAW_CONTROL.test(value)) {
      // A JSON string is a YAML double-quoted scalar, and with every control, C1 and bidi character escaped it keeps
      // the log free of bytes a terminal or log viewer would act on (the yaml package writes C1 and bidi raw).
      lines.push(`${key}: ${jsonUnsafeEscaped(JSON.stringify(value))}`);
    } else {
      // The yaml package quotes whatever needs it (": ", a leading "-", "#"); multi-line output becomes a block scalar.
      lines.push(...stringify({ [key]: value }, { lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, "").split("\n"));
    }
  }
  const indented = lines.map((line) => (line === "" ? "" : `  ${line}`));
  return ["  ---", ...indented, "  ..."].join("\n") + "\n";
}

/** The test line (and its diagnostics) of case number `n`. */
function testPoint(n: number, c: CaseResult): string {
  const what = description(c.id);
  switch (c.status) {
    case "pass":
      return `ok ${n} - ${what}\n`;
    case "skip":
      return `ok ${n} - ${what} # SKIP ${reason(c.message ?? "not run")}\n`;
    case "fail":
    case "error":
      return `not ok ${n} - ${what}\n${diagnostics(c)}`;
  }
}

/**
 * A reporter writing TAP version 13 through `write`, a chunk per call (a line, or a test line with its YAML block).
 * Cases the plan did not report one by one (skipped after a signal) are written from `end`'s result, then
 * "Bail out! <signal>" when the plan was interrupted. Throws nothing of its own; `write`'s errors propagate.
 */
export function tapReporter(write: (text: string) => void): PlanReporter {
  let n = 0;
  return {
    begin(start: PlanStart) {
      write(`TAP version 13\n1..${start.caseCount}\n`);
    },
    case(result: CaseResult) {
      n++;
      write(testPoint(n, result));
    },
    end(result: PlanResult) {
      for (const c of unreported(result.cases, n)) {
        n++;
        write(testPoint(n, c));
      }
      const k = countStatuses(result.cases);
      write(`# passed ${k.passed}, failed ${k.failed}, errors ${k.errors}, skipped ${k.skipped} of ${k.total}\n`);
      if (result.interrupted !== undefined) write(`Bail out! ${result.interrupted}\n`);
    },
  };
}
