// doctor's checks of the simulated board's own state directory: damaged state files, stale or unreadable lock files,
// and users' device models that cannot be loaded, each with its fix. Kept apart from the machine checks
// (src/host/doctor.ts): these read the simulator's files, and run before the board is opened, since a damaged board
// cannot be.
import type { Finding } from "../host/doctor.ts";
import type { StateIssue } from "../sim/state/state-check.ts";
import { simResetCommand, stateDamagedHint } from "./output/errors.ts";
import { refusalHint } from "./output/library-words.ts";
import { staleReason } from "./output/notices.ts";

/**
 * Findings for the issues inspectState() found in `stateDir`: a fail per damaged file, a warning per stale lock, and
 * per user's model that cannot be loaded a fail when it is `device`'s (the one doctor was asked about), else a warning.
 */
export function stateFindings(issues: StateIssue[], stateDir: string, device?: string): Finding[] {
  const sound: Finding[] = issues.some((i) => i.kind === "damaged") ? [] : [{ check: "sim-state", status: "ok", message: `simulated board state in ${stateDir} is sound` }];
  return [...sound, ...issues.map((i): Finding => {
    if (i.kind === "user-model") {
      const status = i.error.device === device ? "fail" : "warn";
      return { check: "user-model", status, message: `${i.error.message}: ${i.error.device} cannot be opened`, ...fixOf(refusalHint(i.error)) };
    }
    if (i.kind === "damaged") {
      return { check: "sim-state", status: "fail", message: i.error.message, fix: stateDamagedHint(i.error) };
    }
    return {
      check: "sim-lock",
      status: "warn",
      message: `stale lock ${i.lock.path}: ${staleReason(i.lock)}`,
      fix: `nothing to do: the next command that needs it takes it over (or start afresh: ${simResetCommand(stateDir)})`,
    };
  })];
}

const fixOf = (fix: string | undefined): { fix?: string } => (fix === undefined ? {} : { fix });
