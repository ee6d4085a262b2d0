// The report for people at a terminal or reading a CI log: one line per case as it finishes ("ok   rtc/identify  3 ms",
// "FAIL rtc/alarm: RTCRIS: expected 0x1, read 0x0"), then one summary line. Colour is decoration only: every status
// is also a word, so a log without colour says the same.
import { escapeUnsafe } from "../../output/safe-text.ts";
import type { CaseResult, CaseStatus, PlanReporter, PlanResult, PlanStart } from "../result.ts";
import { countStatuses, failureText, unreported } from "./counts.ts";

/** The status word, padded to one width so the ids line up. */
const WORD: Readonly<Record<CaseStatus, string>> = { pass: "ok  ", fail: "FAIL", error: "ERR ", skip: "skip" };
/** SGR colour per status: green, red, red, yellow (basic 16 colours, which every colour terminal has). */
const SGR: Readonly<Record<CaseStatus, number>> = { pass: 32, fail: 31, error: 31, skip: 33 };

function milliseconds(ms: number): string {
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`;
}

function seconds(ms: number): string {
  return ms < 1000 ? milliseconds(ms) : `${(ms / 1000).toFixed(1)} s`;
}

/** Why a case did not pass, on one line, safe for a terminal. */
function why(c: CaseResult): string {
  const text = failureText(c);
  return escapeUnsafe(text === "" && c.exitCode !== undefined ? `exit status ${c.exitCode}` : text);
}

/**
 * A reporter writing lines for people through `write`: "ok   <id>  <time>" for a pass, "FAIL <id>: <why>",
 * "ERR  <id>: <why>", "skip <id>: <why>", then "<plan>: N passed, N failed, N errors, N skipped in <time>" (and the
 * signal when one stopped the plan). `opts.color` colours the status words. `write`'s errors propagate.
 */
export function summaryReporter(write: (text: string) => void, opts: { color: boolean }): PlanReporter {
  const paint = (status: CaseStatus, text: string) => (opts.color ? `\x1b[${SGR[status]}m${text}\x1b[39m` : text);
  const bold = (text: string) => (opts.color ? `\x1b[1m${text}\x1b[22m` : text);
  let n = 0;
  const caseLine = (c: CaseResult) => {
    const id = escapeUnsafe(c.id);
    const head = `${paint(c.status, WORD[c.status])} ${id}`;
    if (c.status === "pass") return `${head}  ${milliseconds(c.durationMs)}\n`;
    const reason = why(c);
    return reason === "" ? `${head}\n` : `${head}: ${reason}\n`;
  };
  return {
    begin(_start: PlanStart) {},
    case(result: CaseResult) {
      n++;
      write(caseLine(result));
    },
    end(result: PlanResult) {
      for (const c of unreported(result.cases, n)) {
        n++;
        write(caseLine(c));
      }
      const k = countStatuses(result.cases);
      const counts = [
        `${k.passed} passed`,
        k.failed > 0 ? paint("fail", `${k.failed} failed`) : `${k.failed} failed`,
        k.errors > 0 ? paint("error", `${k.errors} errors`) : `${k.errors} errors`,
        `${k.skipped} skipped`,
      ].join(", ");
      const stopped = result.interrupted !== undefined ? ` (stopped by ${result.interrupted})` : "";
      write(`${bold(escapeUnsafe(result.plan))}: ${counts} in ${seconds(result.durationMs)}${stopped}\n`);
    },
  };
}
