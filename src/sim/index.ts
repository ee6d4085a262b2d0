// The simulated backend: a board model behind the same kernel boundary as the real machine.
export { createSimBoundary, SimBoundary, type SimOptions } from "./sim-boundary.ts";
export { BOARDS, DEFAULT_BOARD } from "./boards/index.ts";
export type { BoardSpec, DeviceSpec } from "./boards/board-spec.ts";
export { BoardFileError, UnknownBoardError } from "./boards/board-errors.ts";
export { UserModelError } from "./devices/user-model-errors.ts";
export { boardSpecOf } from "./boards/board-of.ts";
export { resetBoard, type ResetResult } from "./state/state-reset.ts";
export { inspectState, type StateIssue } from "./state/state-check.ts";
export { StateDamagedError, StateLockedError, type StateProblem } from "./state/state-errors.ts";
export type { LockWaitListener, StaleLock, StaleLockListener } from "./state/pid-lock.ts";
