// doctor's checks of the simulated board's own state directory: damaged state files and stale or unreadable lock
// files, each with its fix. Kept apart from the machine checks (src/host/doctor.ts): these read the simulator's
// files, and run before the board is opened, since a damaged board cannot be.
import type { Finding } from "../host/doctor.ts";
import type { StateIssue } from "../sim/state/state-check.ts";
import { simResetCommand, stateDamagedHint } from "./output/errors.ts";
import { staleReason } from "./output/notices.ts";

/** Findings for the issues inspectState() found in `stateDir`: a fail per damaged file, a warning per stale lock. */
export function stateFindings(issues: StateIssue[], stateDir: string): Finding[] {
  if (issues.length === 0) return [{ check: "sim-state", status: "ok", message: `simulated board state in ${stateDir} is sound` }];
  return issues.map((i): Finding => {
    if (i.kind === "damaged") {
      return { check: "sim-state", status: "fail", message: i.error.message, fix: stateDamagedHint(i.error) };
    }
    return {
      check: "sim-lock",
      status: "warn",
      message: `stale lock ${i.lock.path}: ${staleReason(i.lock)}`,
      fix: `nothing to do: the next command that needs it takes it over (or start afresh: ${simResetCommand(stateDir)})`,
    };
  });
}
