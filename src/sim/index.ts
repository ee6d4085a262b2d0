// The simulated backend: a board model behind the same kernel boundary as the real machine.
export { createSimBoundary, SimBoundary, type SimOptions } from "./sim-boundary.ts";
export { BOARDS, DEFAULT_BOARD } from "./boards/index.ts";
export type { BoardSpec, DeviceSpec } from "./boards/board-spec.ts";
export { BoardFileError, UnknownBoardError } from "./boards/board-errors.ts";
export { UserModelError } from "./devices/user-model-errors.ts";
export { boardSpecOf } from "./boards/board-of.ts";
export type { ResetResult } from "./state/state-reset.ts";
export type { StateIssue } from "./state/state-check.ts";
export { StateDamagedError, StateLockedError, type StateProblem } from "./state/state-errors.ts";
export type { LockWaitListener, StaleLock, StaleLockListener } from "./state/pid-lock.ts";

type StateReset = typeof import("./state/state-reset.ts");
type StateCheck = typeof import("./state/state-check.ts");

/**
 * Boot the board in `stateDir` afresh (state/state-reset.ts, loaded on this call: a process that only opens the
 * board does not evaluate it). @throws as state-reset's resetBoard: StateDamagedError, StateLockedError
 */
export function resetBoard(...args: Parameters<StateReset["resetBoard"]>): ReturnType<StateReset["resetBoard"]> {
  return (require("./state/state-reset.ts") as StateReset).resetBoard(...args);
}

/** What is wrong with the state in `dir` (state/state-check.ts, loaded on this call, not by every process that opens the board). */
export function inspectState(...args: Parameters<StateCheck["inspectState"]>): ReturnType<StateCheck["inspectState"]> {
  return (require("./state/state-check.ts") as StateCheck).inspectState(...args);
}
